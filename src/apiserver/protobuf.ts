/**
 * Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`): the
 * `k8s\0` magic, a runtime.Unknown envelope {typeMeta, raw}, then the object's message, turned
 * into the JSON shape the rest of the server handles. Responses stay JSON, which clients accept.
 */
import { MESSAGES, TOP_LEVEL, type FieldSpec } from './protobuf-schema.js';
import { StatusError } from './status.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const unsupported = (why: string): StatusError =>
  new StatusError(415, 'UnsupportedMediaType', `podnet cannot decode this protobuf body (${why}); send application/json instead`);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw unsupported('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw unsupported('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw unsupported(`wire type ${wireType}`);
  }
}

/** Visits each (field number, wire type, reader) of a message. */
function eachField(buf: Buffer, fn: (num: number, wireType: number, r: Reader) => void): void {
  const r = new Reader(buf);
  while (!r.done) {
    const tag = Number(r.varint());
    fn(tag >> 3, tag & 7, r);
  }
}

/** Go's zero values, which its marshallers write for unset non-pointer fields. */
const isZero = (v: unknown): boolean => v === '' || v === 0 || v === false;

const toSigned = (v: bigint): number => Number(BigInt.asIntN(64, v));

function decodeIntOrString(buf: Buffer): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  eachField(buf, (num, wt, r) => {
    if (num === 1) type = toSigned(r.varint());
    else if (num === 2) intVal = toSigned(r.varint());
    else if (num === 3) strVal = r.bytes().toString('utf8');
    else r.skip(wt);
  });
  return type === 1 ? strVal : intVal;
}

function decodeScalar(spec: FieldSpec, wireType: number, r: Reader): unknown {
  switch (spec.type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'int':
      return toSigned(r.varint());
    case 'bool':
      return r.varint() !== 0n;
    case 'intstr':
      return decodeIntOrString(r.bytes());
    case 'quantity': {
      let s = '';
      eachField(r.bytes(), (num, wt, rr) => (num === 1 ? (s = rr.bytes().toString('utf8')) : rr.skip(wt)));
      return s;
    }
    default:
      if (wireType !== 2) throw unsupported(`field ${spec.name} has wire type ${wireType}`);
      return decodeMessage(spec.type, r.bytes());
  }
}

function decodeMapEntry(spec: FieldSpec, buf: Buffer): [string, unknown] {
  let key = '';
  let value: unknown = spec.type === 'string' || spec.type === 'bytes' || spec.type === 'quantity' ? '' : undefined;
  eachField(buf, (num, wt, r) => {
    if (num === 1) key = r.bytes().toString('utf8');
    else if (num === 2) value = decodeScalar(spec, wt, r);
    else r.skip(wt);
  });
  return [key, value];
}

/**
 * Go's generated marshallers write every non-pointer field, zero or not; a field podnet does not
 * model is fine while it holds its zero value, and refused otherwise (never silently dropped).
 */
function skipZero(type: string, num: number, wireType: number, r: Reader): void {
  const zero = wireType === 0 ? r.varint() === 0n : wireType === 2 ? r.bytes().length === 0 : (r.skip(wireType), false);
  if (!zero) throw unsupported(`field ${num} of ${type} is not supported`);
}

function decodeMessage(type: string, buf: Buffer): Record<string, unknown> {
  const fields = MESSAGES[type];
  if (!fields) throw unsupported(`message ${type}`);
  const out: Record<string, unknown> = {};
  eachField(buf, (num, wt, r) => {
    const spec = fields[num];
    if (!spec) return skipZero(type, num, wt, r);
    if (spec.type === 'ignore' || spec.type === 'time') return r.skip(wt); // status and timestamps are the server's
    if (spec.map) {
      const [k, v] = decodeMapEntry(spec, r.bytes());
      out[spec.name] = { ...((out[spec.name] as object) ?? {}), [k]: v };
    } else if (spec.repeated) {
      out[spec.name] = [...((out[spec.name] as unknown[]) ?? []), decodeScalar(spec, wt, r)];
    } else if (spec.inline) {
      Object.assign(out, decodeScalar(spec, wt, r));
    } else {
      const v = decodeScalar(spec, wt, r);
      if (spec.pointer || !isZero(v)) out[spec.name] = v;
    }
  });
  return out;
}

/** Decodes a `k8s\0`-prefixed protobuf body into a JSON object with apiVersion and kind. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw unsupported('missing k8s magic');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  eachField(body.subarray(4), (num, wt, r) => {
    if (num === 1) {
      eachField(r.bytes(), (n, w, rr) => {
        if (n === 1) apiVersion = rr.bytes().toString('utf8');
        else if (n === 2) kind = rr.bytes().toString('utf8');
        else rr.skip(w);
      });
    } else if (num === 2) raw = r.bytes();
    else r.skip(wt);
  });
  const type = TOP_LEVEL[`${apiVersion}/${kind}`];
  if (!type) throw unsupported(`kind ${apiVersion}/${kind}`);
  return { apiVersion, kind, ...decodeMessage(type, raw) };
}
