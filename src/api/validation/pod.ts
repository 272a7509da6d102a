/**
 * PodSpec validation (pkg/apis/core/validation ValidatePodSpec): volumes, containers and init
 * containers, host network and host ports, restart and DNS policies, DNS config, tolerations,
 * names of the node, service account, hostname and subdomain.
 */
import type { Container, PodSpec } from '../types.js';
import { type FieldError, duplicate, invalidValue, notSupported, required } from './field-errors.js';
import { isSupported } from './common.js';
import { validateLabels } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain } from './names.js';
import { validateContainer } from './pod-container.js';
import { validateTolerations } from './pod-tolerations.js';
import { validateVolumes } from './pod-volumes.js';
import { IP_DETAIL, isIPAddress } from './ip.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function validateContainerList(list: Container[] | undefined, path: string, volumes: Set<string>, seen: Set<string>, isInit: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (list ?? []).forEach((c, i) => {
    const cp = `${path}[${i}]`;
    errs.push(...validateContainer(c, cp, volumes, isInit));
    if (c.name && seen.has(c.name)) errs.push(duplicate(`${cp}.name`, c.name));
    seen.add(c.name);
  });
  return errs;
}

/** Host ports are unique per protocol and host IP across the pod; with hostNetwork they equal containerPort. */
function validateHostPorts(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (spec.containers ?? []).forEach((c, i) => {
    (c.ports ?? []).forEach((p, j) => {
      const pp = `${path}.containers[${i}].ports[${j}].hostPort`;
      if (spec.hostNetwork && (p.hostPort ?? 0) !== p.containerPort) {
        errs.push(invalidValue(pp, p.hostPort ?? 0, 'must match `containerPort` when `hostNetwork` is true'));
      }
      if (!p.hostPort) return;
      const id = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (seen.has(id)) errs.push(duplicate(pp, id));
      seen.add(id);
    });
  });
  return errs;
}

function validateDNS(spec: PodSpec, path: string): FieldError[] {
  const p = spec.dnsPolicy;
  if (!p) return [required(`${path}.dnsPolicy`)];
  if (!isSupported(DNS_POLICIES, p)) return [notSupported(`${path}.dnsPolicy`, p, DNS_POLICIES)];
  const cfg = spec.dnsConfig;
  if (p === 'None' && !cfg) return [required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None')];
  const errs: FieldError[] = [];
  const ns = cfg?.nameservers ?? [];
  if (p === 'None' && ns.length === 0) errs.push(required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  if (ns.length > 3) errs.push(invalidValue(`${path}.dnsConfig.nameservers`, ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => {
    if (!isIPAddress(n)) errs.push(invalidValue(`${path}.dnsConfig.nameservers[${i}]`, n, IP_DETAIL));
  });
  return errs;
}

function validateNames(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const check = (v: string | undefined, f: string, fn: (s: string) => string[]) => {
    if (v) errs.push(...fn(v).map((d) => invalidValue(`${path}.${f}`, v, d)));
  };
  check(spec.serviceAccountName, 'serviceAccountName', isDNS1123Subdomain);
  check(spec.nodeName, 'nodeName', isDNS1123Subdomain);
  check(spec.hostname, 'hostname', isDNS1123Label);
  check(spec.subdomain, 'subdomain', isDNS1123Label);
  return errs;
}

/** Validates a pod spec at `path` (`spec`, or `spec.template.spec` in workloads). */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  if (!spec) return [required(path)];
  const { errs, names: volumes } = validateVolumes(spec.volumes, `${path}.volumes`);
  const seen = new Set<string>();
  if (!spec.containers || spec.containers.length === 0) errs.push(required(`${path}.containers`));
  errs.push(...validateContainerList(spec.containers, `${path}.containers`, volumes, seen, false));
  errs.push(...validateContainerList(spec.initContainers, `${path}.initContainers`, volumes, seen, true));
  errs.push(...validateHostPorts(spec, path));
  const rp = spec.restartPolicy;
  if (!rp) errs.push(required(`${path}.restartPolicy`));
  else if (!isSupported(RESTART_POLICIES, rp)) errs.push(notSupported(`${path}.restartPolicy`, rp, RESTART_POLICIES));
  errs.push(...validateDNS(spec, path));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  errs.push(...validateNames(spec, path));
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) {
    errs.push(invalidValue(`${path}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  }
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0) {
    errs.push(invalidValue(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  return errs;
}

/** Pod-only checks (not for templates): images without surrounding whitespace. */
export function validatePodImages(spec: PodSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const [list, name] of [[spec?.containers, 'containers'], [spec?.initContainers, 'initContainers']] as const) {
    (list ?? []).forEach((c, i) => {
      if (c.image && c.image !== c.image.trim()) errs.push(invalidValue(`spec.${name}[${i}].image`, c.image, 'must not have leading or trailing whitespace'));
    });
  }
  return errs;
}
