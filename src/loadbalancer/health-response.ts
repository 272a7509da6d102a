/**
 * kube-proxy's service health check answer (pkg/proxy/healthcheck, ServiceHealthServer): every
 * path of a Service's healthCheckNodePort answers 200 while the node has a local ready endpoint
 * for it and the proxy is healthy, else 503, with this JSON body and the endpoint count as a
 * load-balancing weight header. Cloud load balancers use it to send eTP=Local traffic only to
 * nodes that can serve it without a second hop.
 */
export interface ServiceHealth {
  namespace: string;
  name: string;
  /** healthCheckNodePort. */
  port: number;
  localEndpoints: number;
}

export interface HealthResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function healthResponse(h: ServiceHealth, proxyHealthy = true): HealthResponse {
  const body = [
    '{',
    '\t"service": {',
    `\t\t"namespace": ${JSON.stringify(h.namespace)},`,
    `\t\t"name": ${JSON.stringify(h.name)}`,
    '\t},',
    `\t"localEndpoints": ${h.localEndpoints},`,
    `\t"serviceProxyHealthy": ${proxyHealthy}`,
    '}',
  ].join('\n');
  return {
    status: h.localEndpoints > 0 && proxyHealthy ? 200 : 503,
    headers: {
      'Content-Type': 'application/json',
      'X-Content-Type-Options': 'nosniff',
      'X-Load-Balancing-Endpoint-Weight': String(h.localEndpoints),
    },
    body,
  };
}
