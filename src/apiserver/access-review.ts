/**
 * `kubectl auth can-i` and `kubectl auth whoami`: authorization.k8s.io/v1
 * SelfSubjectAccessReview and SelfSubjectRulesReview, authentication.k8s.io/v1
 * SelfSubjectReview, create-only and never stored, as upstream serves them. podnet has one bearer
 * token and no RBAC: whoever holds it is the cluster's admin and may do everything, so every
 * review answers allowed and the rules review lists `*`. kubectl ≥ 1.32 posts reviews as
 * protobuf; the answer needs only the status, so a body that is not JSON is not decoded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceInfo } from '../api/resources.js';
import { type Obj, decodeBody, isPlainObject } from './codec.js';
import { readBodyBytes, writeJSON } from './http-util.js';
import { StatusError, methodNotSupported } from './status.js';

const review = (kind: string, plural: string, group = 'authorization.k8s.io'): ResourceInfo => ({
  group,
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced: false,
  shortNames: [],
  categories: [],
  subresources: [],
});

/** The review resources, for discovery (verbs: create only). */
export const REVIEW_RESOURCES: readonly ResourceInfo[] = [
  review('SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  review('SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  review('SelfSubjectReview', 'selfsubjectreviews', 'authentication.k8s.io'),
];
export const isReviewResource = (r: ResourceInfo): boolean => REVIEW_RESOURCES.includes(r);

const REVIEW_PATH = /^\/apis\/(authorization|authentication)\.k8s\.io\/v1\/(selfsubjectaccessreviews|selfsubjectrulesreviews|selfsubjectreviews)$/;
export const isReviewPath = (path: string): boolean => REVIEW_PATH.test(path);

/** Who the cluster token is: its admin (upstream's system:masters has every right). */
const ADMIN = { username: 'podnet-admin', groups: ['system:masters', 'system:authenticated'] };

const ALL_RULES = {
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  incomplete: false,
};

/** Answers a review POST (201, the review with its status). */
export async function serveReview(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const [, group, plural] = REVIEW_PATH.exec(path)!;
  const info = REVIEW_RESOURCES.find((r) => r.plural === plural && r.group === `${group}.k8s.io`);
  if (!info) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  if (req.method !== 'POST') throw methodNotSupported(info, req.method ?? '');
  const bytes = await readBodyBytes(req);
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  const sent: Obj = type === 'application/vnd.kubernetes.protobuf' ? {} : decodeBody(bytes.toString('utf8'), type);
  const spec = isPlainObject(sent.spec) ? sent.spec : {};
  const status = {
    SelfSubjectAccessReview: { allowed: true, reason: 'podnet: the cluster token grants every right (no RBAC)' },
    SelfSubjectRulesReview: ALL_RULES,
    SelfSubjectReview: { userInfo: ADMIN },
  }[info.kind];
  const body: Record<string, unknown> = { kind: info.kind, apiVersion: `${info.group}/v1`, metadata: { creationTimestamp: null }, status };
  if (info.kind !== 'SelfSubjectReview') body.spec = spec;
  writeJSON(res, 201, body);
}
