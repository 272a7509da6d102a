/** Every resource the apiserver serves has validation rules, and rejects a bad name with its kind's rule. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../../src/api/resources.js';
import { validatedKinds } from '../../../src/api/validation/index.js';
import { validateAsCreated } from '../../helpers/api-validation.js';

describe('validation coverage', () => {
  it('every kind of the resource registry has rules', () => {
    const missing = RESOURCES.map((r) => r.kind).filter((k) => !validatedKinds().includes(k));
    assert.deepEqual(missing, []);
  });

  for (const r of RESOURCES) {
    it(`${r.kind}: a name with an underscore is refused at metadata.name`, () => {
      const msgs = validateAsCreated(r.kind, r.namespaced, { metadata: { name: 'bad_name', ...(r.namespaced ? { namespace: 'default' } : {}) } });
      assert.match(msgs[0] ?? '', /^metadata\.name: Invalid value: "bad_name": a (lowercase RFC 1123|DNS-1035)/);
    });
  }
});
