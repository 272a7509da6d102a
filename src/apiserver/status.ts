/**
 * API errors shaped as kube-apiserver's `Status` (apimachinery pkg/api/errors): every failure a
 * handler throws is a StatusError, rendered as `{"kind":"Status",...}` with its HTTP code.
 */
import type { ResourceInfo } from '../api/resources.js';
import { type FieldError, fieldErrorMessage, fieldErrorReason } from '../api/validation/field-errors.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusBody['details'],
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** `pods "x"` or `deployments.apps "x"`: how upstream names a resource in messages. */
function qualified(info: ResourceInfo): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

export const notFound = (info: ResourceInfo, name: string): StatusError =>
  new StatusError(404, 'NotFound', `${qualified(info)} "${name}" not found`, { name, group: info.group || undefined, kind: info.plural });

export const alreadyExists = (info: ResourceInfo, name: string): StatusError =>
  new StatusError(409, 'AlreadyExists', `${qualified(info)} "${name}" already exists`, {
    name,
    group: info.group || undefined,
    kind: info.plural,
  });

export const conflict = (info: ResourceInfo, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(info)} "${name}": ${why}`, {
    name,
    group: info.group || undefined,
    kind: info.plural,
  });

export const badRequest = (message: string): StatusError => new StatusError(400, 'BadRequest', message);

export const methodNotSupported = (info: ResourceInfo, verb: string): StatusError =>
  new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualified(info)}"`, {
    group: info.group || undefined,
    kind: info.plural,
  });

export const unsupportedMediaType = (type: string): StatusError =>
  new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got "${type}")`);

export const expired = (message: string): StatusError => new StatusError(410, 'Expired', message);

export const unauthorized = (): StatusError => new StatusError(401, 'Unauthorized', 'Unauthorized');

export const forbidden = (info: ResourceInfo, name: string, why: string): StatusError =>
  new StatusError(403, 'Forbidden', `${qualified(info)} "${name}" is forbidden: ${why}`, { name, group: info.group || undefined, kind: info.plural });

export const internalError = (err: unknown): StatusError =>
  new StatusError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);

/**
 * 422 Invalid: `Deployment.apps "x" is invalid: spec.replicas: ...` (one error) or `[e1, e2]`;
 * the kind is group-qualified as upstream's GroupKind.String() (plain for the core group).
 */
export function invalid(info: ResourceInfo, name: string, errs: FieldError[]): StatusError {
  const msgs = errs.map(fieldErrorMessage);
  const summary = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
  const kind = info.group ? `${info.kind}.${info.group}` : info.kind;
  return new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
    name,
    group: info.group || undefined,
    kind: info.kind,
    causes: errs.map((e) => ({ reason: fieldErrorReason(e), message: fieldErrorMessage(e).slice(e.field.length + 2), field: e.field })),
  });
}
