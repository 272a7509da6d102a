/**
 * Runs objects through defaulting and validation exactly as the apiserver's registry does (the
 * Service update strategy, defaults, then validation) and returns upstream-format messages.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../src/api/defaults/index.js';
import { normalizeServiceUpdate } from '../../src/api/defaults/service.js';
import { fieldErrorMessage, validateObject, validateObjectUpdate } from '../../src/api/validation/index.js';
import type { Service, UnstructuredObject } from '../../src/api/types.js';

// Fixtures are loosely typed so each case can tweak any field.
export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** [name, tweak of a valid object, the exact messages expected (empty: valid)]. */
export type Case = [string, (o: Obj) => void, string[]];

export function validateAsCreated(kind: string, namespaced: boolean, obj: Obj): string[] {
  applyDefaults(kind, obj as UnstructuredObject);
  return validateObject(kind, namespaced, obj as UnstructuredObject).map(fieldErrorMessage);
}

export function validateAsUpdated(kind: string, namespaced: boolean, next: Obj, prev: Obj): string[] {
  if (kind === 'Service') normalizeServiceUpdate(next as Service, prev as Service);
  applyDefaults(kind, next as UnstructuredObject);
  applyDefaults(kind, prev as UnstructuredObject);
  return validateObjectUpdate(kind, namespaced, next as UnstructuredObject, prev as UnstructuredObject).map(fieldErrorMessage);
}

/** One `it` per case: the base object passes, each tweak yields exactly the expected messages. */
export function validationTable(kind: string, namespaced: boolean, base: () => Obj, cases: Case[]): void {
  describe(`${kind} validation`, () => {
    it('the base object is valid', () => assert.deepEqual(validateAsCreated(kind, namespaced, base()), []));
    for (const [name, tweak, want] of cases) {
      it(name, () => {
        const o = base();
        tweak(o);
        assert.deepEqual(validateAsCreated(kind, namespaced, o), want);
      });
    }
  });
}

/** Update cases: `prevTweak` shapes the stored object, `tweak` the new one (a copy of it). */
export type UpdateCase = [string, (o: Obj) => void, string[], ((o: Obj) => void)?];

export function updateTable(kind: string, namespaced: boolean, base: () => Obj, cases: UpdateCase[]): void {
  describe(`${kind} update validation`, () => {
    for (const [name, tweak, want, prevTweak] of cases) {
      it(name, () => {
        const prev = base();
        prevTweak?.(prev);
        applyDefaults(kind, prev as UnstructuredObject);
        const next = structuredClone(prev);
        tweak(next);
        assert.deepEqual(validateAsUpdated(kind, namespaced, next, prev), want);
      });
    }
  });
}
