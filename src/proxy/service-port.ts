/**
 * The proxy's view of a Service: one ServicePortInfo per (Service, spec.ports[i]) for IPv4, as
 * kube-proxy's pkg/proxy/serviceport.go builds them. Headless and ExternalName services and
 * services claimed by another proxy (label service.kubernetes.io/service-proxy-name) are skipped.
 */
import type { Service } from '../api/types.js';
import type { ServicePortRef } from './chain-names.js';

export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
/** Default ClientIP affinity timeout (core/v1 DefaultClientIPServiceAffinitySeconds, 3 h). */
export const DEFAULT_STICKY_MAX_AGE_SECONDS = 10800;

export interface ServicePortInfo extends ServicePortRef {
  /** `ns/svc:portName` (or `ns/svc`): ServicePortName.String(), used in comments. */
  spn: string;
  clusterIP: string;
  port: number;
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** IPv4 CIDRs allowed to reach the load-balancer IPs (empty: everyone). */
  loadBalancerSourceRanges: string[];
  /** 0 means no session affinity. */
  stickyMaxAgeSeconds: number;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  /** spec.healthCheckNodePort of a LoadBalancer with externalTrafficPolicy Local (serviceport.go); else absent. */
  healthCheckNodePort?: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
export const isIPv4 = (s: string): boolean => IPV4.test(s) && s.split('.').every((o) => Number(o) <= 255);

const ipNum = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** Whether IPv4 `cidr` (a.b.c.d/len) contains `ip`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [net, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len ?? 32));
  return Math.floor(ipNum(net) / size) === Math.floor(ipNum(ip) / size);
}

/** `ns/svc:portName`, or `ns/svc` for an unnamed port. */
export function servicePortNameString(namespace: string, name: string, portName: string): string {
  return `${namespace}/${name}${portName ? `:${portName}` : ''}`;
}

/** Whether kube-proxy handles this Service at all. */
export function shouldSkipService(svc: Service): boolean {
  if (svc.metadata?.labels?.[LABEL_SERVICE_PROXY_NAME] !== undefined) return true;
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return true;
  const cip = spec.clusterIP ?? '';
  return cip === '' || cip === 'None';
}

/** The IPv4 service ports of one Service (empty when the Service is skipped). */
export function servicePortsOf(svc: Service): ServicePortInfo[] {
  if (shouldSkipService(svc)) return [];
  const spec = svc.spec ?? {};
  const namespace = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const clusterIP = [spec.clusterIP ?? '', ...(spec.clusterIPs ?? [])].find(isIPv4);
  if (!clusterIP) return [];
  const affinity = spec.sessionAffinity === 'ClientIP';
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_MAX_AGE_SECONDS;
  // ExternalPolicyLocal only means something for traffic arriving from outside (serviceport.go).
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.externalIPs ?? []).length > 0;
  // apiservice.NeedsHealthCheck: only a LoadBalancer with externalTrafficPolicy Local has one.
  const healthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' ? spec.healthCheckNodePort ?? 0 : 0;
  return (spec.ports ?? []).map((p) => {
    const portName = p.name ?? '';
    return {
      namespace,
      name,
      portName,
      protocol: (p.protocol ?? 'TCP').toLowerCase(),
      spn: servicePortNameString(namespace, name, portName),
      clusterIP,
      port: p.port,
      nodePort: p.nodePort ?? 0,
      externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
      // ipMode Proxy: the load balancer proxies itself, kube-proxy leaves such IPs alone.
      loadBalancerIPs: (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ipMode !== 'Proxy').map((i) => i.ip ?? '').filter(isIPv4),
      loadBalancerSourceRanges: (spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()).filter((r) => isIPv4(r.split('/')[0])),
      stickyMaxAgeSeconds: affinity ? timeout : 0,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      externalPolicyLocal: external && spec.externalTrafficPolicy === 'Local',
      ...(healthCheck > 0 ? { healthCheckNodePort: healthCheck } : {}),
    };
  });
}

/** All service ports of `services`, sorted by chain base so output is deterministic. */
export function buildServicePorts(services: readonly Service[]): ServicePortInfo[] {
  const key = (sp: ServicePortInfo) => `${sp.namespace}/${sp.name}/${sp.protocol}/${sp.portName}`;
  return services.flatMap(servicePortsOf).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
