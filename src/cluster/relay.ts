/**
 * The API relay: runs inside the control-plane namespace on the node network and forwards TCP
 * connections to the apiserver's unix socket. It is the endpoint of the `kubernetes` Service,
 * the one way podnet gives pods to reach the API (the apiserver itself listens on the host's
 * loopback, which no pod can reach).
 */
import net from 'node:net';

export function startRelay(listenPort: number, socketPath: string): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '0.0.0.0', () => resolve(server));
  });
}
