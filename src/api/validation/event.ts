/**
 * core/v1 Event validation (ValidateEventCreate, legacy path): the involved object's namespace
 * matches the event's, and events that carry eventTime name their reporter, action and reason.
 */
import type { Event } from '../types.js';
import { type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { isQualifiedName } from './names.js';

const TYPES = ['Normal', 'Warning'];
const LIMIT = 128;
const NOTE_LIMIT = 1024;

function validateReporting(e: Event): FieldError[] {
  const errs: FieldError[] = [];
  const rc = e.reportingComponent ?? '';
  if (!rc) errs.push(required('reportingComponent'));
  errs.push(...isQualifiedName(rc).map((d) => invalidValue('reportingComponent', rc, d)));
  const text: [keyof Event, number][] = [['reportingInstance', LIMIT], ['action', LIMIT], ['reason', LIMIT]];
  for (const [f, max] of text) {
    const v = String(e[f] ?? '');
    if (!v) errs.push(required(f));
    else if (v.length > max) errs.push(invalidValue(f, '', `can have at most ${max} characters`));
  }
  if ((e.message ?? '').length > NOTE_LIMIT) errs.push(invalidValue('message', '', `can have at most ${NOTE_LIMIT} characters`));
  return errs;
}

export function validateEvent(e: Event): FieldError[] {
  const errs: FieldError[] = [];
  const ns = e.metadata?.namespace ?? '';
  const involved = e.involvedObject?.namespace ?? '';
  const mismatch = (): FieldError => invalidValue('involvedObject.namespace', involved, 'does not match event.namespace');
  if (!e.eventTime) {
    if (!involved ? ns !== '' && ns !== 'default' : ns !== involved) errs.push(mismatch());
  } else {
    if (!involved && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch());
    errs.push(...validateReporting(e));
  }
  if (e.type && !TYPES.includes(e.type)) errs.push(notSupported('type', e.type, TYPES));
  return errs;
}
