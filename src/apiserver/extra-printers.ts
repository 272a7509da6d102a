/**
 * Table columns of the served kinds printers.ts leaves to the generic NAME/AGE: Ingresses,
 * IngressClasses, NetworkPolicies, ServiceAccounts and Leases, with upstream's
 * columns and cell formats (pkg/printers/internalversion/printers.go).
 */
import type { Ingress, IngressClass, NetworkPolicy } from '../api/types.js';
import type { Obj } from './codec.js';
import { age } from './human-duration.js';
import { formatLabelSelector } from './label-selector.js';
import type { ColumnDefinition, Printer } from './printers.js';

const col = (name: string, type = 'string', priority = 0): ColumnDefinition => ({
  name,
  type,
  format: name === 'Name' ? 'name' : '',
  description: name === 'Name' ? 'Name must be unique within a namespace.' : name,
  priority,
});
const NAME = col('Name');
const AGE = col('Age');
const none = (s: string | undefined): string => (s ? s : '<none>');
const nameOf = (o: Obj): string => o.metadata?.name ?? '';
const ageOf = (o: Obj): string => age(o.metadata?.creationTimestamp);
/** Upstream's formatHosts/list truncation: three, then "+ N more...". */
const firstThree = (list: string[]): string => (list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(','));

const ingresses: Printer = {
  columns: [NAME, col('Class'), col('Hosts'), col('Address'), col('Ports'), AGE],
  row: (o) => {
    const ing = o as Ingress;
    const hosts = (ing.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => Boolean(h));
    const address = (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
    return [nameOf(o), none(ing.spec?.ingressClassName), hosts.length ? firstThree(hosts) : '*', address.join(','), ing.spec?.tls?.length ? '80, 443' : '80', ageOf(o)];
  },
};

const ingressclasses: Printer = {
  columns: [NAME, col('Controller'), col('Parameters'), AGE],
  row: (o) => {
    const p = (o as IngressClass).spec?.parameters;
    const params = p ? `${p.apiGroup ? `${p.kind}.${p.apiGroup}` : p.kind}/${p.name}` : '<none>';
    return [nameOf(o), (o as IngressClass).spec?.controller ?? '', params, ageOf(o)];
  },
};

const networkpolicies: Printer = {
  columns: [NAME, col('Pod-Selector'), AGE],
  row: (o) => [nameOf(o), none(formatLabelSelector((o as NetworkPolicy).spec?.podSelector)), ageOf(o)],
};

const serviceaccounts: Printer = {
  columns: [NAME, col('Secrets', 'string'), AGE],
  row: (o) => [nameOf(o), ((o as { secrets?: unknown[] }).secrets ?? []).length, ageOf(o)],
};

const leases: Printer = {
  columns: [NAME, col('Holder'), AGE],
  row: (o) => [nameOf(o), (o.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '', ageOf(o)],
};

export const EXTRA_PRINTERS: Record<string, Printer> = {
  Ingress: ingresses,
  IngressClass: ingressclasses,
  NetworkPolicy: networkpolicies,
  ServiceAccount: serviceaccounts,
  Lease: leases,
};
