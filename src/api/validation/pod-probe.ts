/** Probe and lifecycle handler validation (validateProbe, validateHandler): one handler, sane numbers. */
import type { Probe } from '../types.js';
import { type FieldError, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { nonNegative } from './common.js';
import { PORT_RANGE, isValidPortName, isValidPortNum } from './names.js';

const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const SCHEMES = ['HTTP', 'HTTPS'];

/** ValidatePortNumOrName: a number in 1..65535 or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port) ? [] : [invalidValue(path, port, PORT_RANGE)];
  if (typeof port === 'string') return isValidPortName(port).map((d) => invalidValue(path, port, d));
  return [invalidValue(path, port ?? null, 'must be an int or a string')];
}

type Handler = Pick<Probe, 'exec' | 'httpGet' | 'tcpSocket' | 'grpc'>;

function validateHandlerAction(h: Handler, kind: (typeof HANDLERS)[number], path: string): FieldError[] {
  if (kind === 'exec') return (h.exec?.command ?? []).length === 0 ? [required(`${path}.command`)] : [];
  if (kind === 'tcpSocket') return validatePortNumOrName(h.tcpSocket?.port, `${path}.port`);
  if (kind === 'grpc') return isValidPortNum(h.grpc?.port) ? [] : [invalidValue(`${path}.port`, h.grpc?.port ?? null, PORT_RANGE)];
  const http = h.httpGet!;
  const errs: FieldError[] = [];
  if (!http.path) errs.push(required(`${path}.path`));
  errs.push(...validatePortNumOrName(http.port, `${path}.port`));
  if (!SCHEMES.includes(http.scheme ?? '')) errs.push(notSupported(`${path}.scheme`, http.scheme ?? '', SCHEMES));
  return errs;
}

/** Exactly one handler type, each checked. */
export function validateHandler(h: Handler, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of HANDLERS) {
    if (!h[kind]) continue;
    if (count > 0) errs.push(forbidden(`${path}.${kind}`, 'may not specify more than 1 handler type'));
    else errs.push(...validateHandlerAction(h, kind, `${path}.${kind}`));
    count++;
  }
  if (count === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

/** A probe at `path`; liveness and startup probes must have successThreshold 1. */
export function validateProbe(p: Probe | undefined, path: string, mustSucceedOnce: boolean): FieldError[] {
  if (!p) return [];
  const errs = validateHandler(p, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.push(...nonNegative(p[f], `${path}.${f}`));
  }
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds <= 0) {
    errs.push(invalidValue(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  if (mustSucceedOnce && p.successThreshold !== undefined && p.successThreshold !== 1) {
    errs.push(invalidValue(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
  }
  return errs;
}
