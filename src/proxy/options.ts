/** Validation of the proxy's options: every problem is reported, each naming its field. */
import { isIPv4 } from './service-port.js';

const isIPv4CIDR = (s: string): boolean => {
  const [ip, len, extra] = s.split('/');
  return extra === undefined && isIPv4(ip) && /^\d{1,2}$/.test(len ?? '') && Number(len) <= 32;
};

export interface ProxyNetworkOptions {
  nodeName: string;
  netns: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR?: string;
}

/** Throws one Error listing every invalid field (`proxy: nodeIP: Invalid value "x": ...`). */
export function validateProxyOptions(o: ProxyNetworkOptions): void {
  const problems: string[] = [];
  if (!o.nodeName) problems.push('nodeName: Required value');
  if (!o.netns) problems.push('netns: Required value');
  if (!isIPv4(o.nodeIP ?? '')) problems.push(`nodeIP: Invalid value "${o.nodeIP}": must be an IPv4 address`);
  if (!isIPv4CIDR(o.clusterCIDR ?? '')) problems.push(`clusterCIDR: Invalid value "${o.clusterCIDR}": must be an IPv4 CIDR like 10.244.0.0/16`);
  if (o.serviceCIDR !== undefined && !isIPv4CIDR(o.serviceCIDR)) {
    problems.push(`serviceCIDR: Invalid value "${o.serviceCIDR}": must be an IPv4 CIDR like 10.96.0.0/12`);
  }
  if (problems.length > 0) throw new Error(`proxy: Invalid options: ${problems.join('; ')}`);
}
