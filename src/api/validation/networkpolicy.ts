/**
 * networking.k8s.io/v1 NetworkPolicy validation (ValidateNetworkPolicySpec): pod selector, rule
 * ports and peers, ipBlock cidr/except, policyTypes.
 */
import type { NetworkPolicy } from '../types.js';
import { type FieldError, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { validateLabelSelector } from './common.js';
import { CIDR_DETAIL, isStrictSubset, parseAnyCidr } from './ip.js';
import { PORT_RANGE, isValidPortName, isValidPortNum } from './names.js';

type Spec = NonNullable<NetworkPolicy['spec']>;
type Rule = NonNullable<Spec['ingress']>[number] & NonNullable<Spec['egress']>[number];
type Port = NonNullable<Rule['ports']>[number];
type Peer = NonNullable<Rule['from']>[number];

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

function validatePort(p: Port, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
  if (p.port === undefined) {
    if (p.endPort !== undefined) errs.push(invalidValue(`${path}.endPort`, p.endPort, 'may not be specified when `port` is not specified'));
  } else if (typeof p.port === 'number') {
    if (!isValidPortNum(p.port)) errs.push(invalidValue(`${path}.port`, p.port, PORT_RANGE));
    if (p.endPort !== undefined) {
      if (p.endPort < p.port) errs.push(invalidValue(`${path}.endPort`, p.endPort, 'must be greater than or equal to `port`'));
      if (!isValidPortNum(p.endPort)) errs.push(invalidValue(`${path}.endPort`, p.endPort, PORT_RANGE));
    }
  } else {
    if (p.endPort !== undefined) errs.push(invalidValue(`${path}.endPort`, p.endPort, 'may not be specified when `port` is non-numeric'));
    errs.push(...isValidPortName(p.port).map((d) => invalidValue(`${path}.port`, p.port, d)));
  }
  return errs;
}

function validateIPBlock(b: NonNullable<Peer['ipBlock']>, path: string): FieldError[] {
  if (!b.cidr) return [required(`${path}.cidr`)];
  const cidr = parseAnyCidr(b.cidr);
  if (!cidr) return [invalidValue(`${path}.cidr`, b.cidr, CIDR_DETAIL)];
  const errs: FieldError[] = [];
  (b.except ?? []).forEach((e, i) => {
    const ex = parseAnyCidr(e);
    if (!ex) errs.push(invalidValue(`${path}.except[${i}]`, e, CIDR_DETAIL));
    else if (!isStrictSubset(ex, cidr)) errs.push(invalidValue(`${path}.except[${i}]`, e, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(p: Peer, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.podSelector) errs.push(...validateLabelSelector(p.podSelector, `${path}.podSelector`));
  if (p.namespaceSelector) errs.push(...validateLabelSelector(p.namespaceSelector, `${path}.namespaceSelector`));
  if (p.ipBlock) errs.push(...validateIPBlock(p.ipBlock, `${path}.ipBlock`));
  const n = [p.podSelector, p.namespaceSelector, p.ipBlock].filter((x) => x != null).length;
  if (n === 0) errs.push(required(path, 'must specify a peer'));
  else if (n > 1 && p.ipBlock) errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

function validateRules(rules: Rule[] | undefined, path: string, peers: 'from' | 'to'): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((r, i) => {
    (r.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, `${path}[${i}].ports[${j}]`)));
    (r[peers] ?? []).forEach((p, j) => errs.push(...validatePeer(p, `${path}[${i}].${peers}[${j}]`)));
  });
  return errs;
}

export function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const spec: Spec = np.spec ?? ({} as Spec);
  const errs = validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector');
  errs.push(...validateRules(spec.ingress as Rule[] | undefined, 'spec.ingress', 'from'));
  errs.push(...validateRules(spec.egress as Rule[] | undefined, 'spec.egress', 'to'));
  const types = spec.policyTypes ?? [];
  if (types.length > POLICY_TYPES.length) return [...errs, invalidValue('spec.policyTypes', types, 'may not specify more than two policyTypes')];
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return errs;
}
