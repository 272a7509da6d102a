/** The podnet command line. */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { DEFAULT_CLUSTER, loadClusterConfig, parseClusterBackend, parseDatastoreEndpoint, paths } from '../cluster/config.js';

export const HELP = `podnet: the Kubernetes network model as real software on one Linux host

Usage: podnet <command> [--name <cluster>] [options]

Commands:
  up [--nodes N] [--datastore-endpoint <url>] [--proxy-mode <mode>] [--lb-pool <ranges>]
     [--backend vxlan|host-gw|bgp]
                            Start a cluster (default 2 nodes) and return once it is ready;
                            it keeps running in the background. The API's store is embedded
                            SQLite (<state root>/store/state.db) unless --datastore-endpoint
                            names an external etcd v3, as k3s does: http(s)://host:port,
                            comma-separated; the cluster's keys go under /podnet/<cluster>/,
                            so clusters can share one etcd, and "down" leaves them there.
                            --proxy-mode picks kube-proxy's mode on every node: nftables
                            (default), iptables (iptables-nft rules, as kube-proxy's
                            iptables mode) or userspace. --lb-pool gives LoadBalancer
                            Services their addresses (ranges a-b, CIDRs, comma-separated;
                            default 172.18.0.240-172.18.0.250). --backend picks how pods
                            reach other nodes: flannel's vxlan (default; flannel.1, VNI 1, UDP
                            8472) or host-gw (a route per node via its node IP, no tunnel), or
                            Calico's bgp (BIRD per node in a full iBGP mesh, AS 64512, each
                            node announcing its /26 IPAM blocks; pods wired with 169.254.1.1)
  demo                      The main job: start the cluster if needed, deploy seed 002's web
                            application (examples/web/) and reach it by its Service name from
                            a client pod on another node
  down                      Stop the cluster and remove its namespaces, processes and state
                            (added nodes included)
  restart                   After a crash: start again every daemon whose process is dead
                            (control plane first, then relay, then node agents), with the
                            command lines up / node add use; live daemons, the store, pods
                            and namespaces are kept. Waits for nodes Ready. After a host
                            reboot (namespaces gone) use: podnet down, then podnet up
  node add [<node-name>]    A node joins the running cluster: its namespace on the node
                            network (next free 172.18.0.<10+i>), its agent, flannel (bgp:
                            calico-node, joining the mesh), proxy and LB speaker; returns once
                            the Node is Ready (with a pod CIDR, or on bgp in the BGP mesh).
                            Default name: the next free node<i> (1-13 of [a-z0-9-])
  node remove <node-name>   A node leaves: cordon, delete its pods (controllers recreate them
                            elsewhere), stop its agent, remove its pod and node namespaces,
                            delete the Node (routes and endpoints on the others follow)
  status                    Show the cluster's processes, namespaces and nodes
  kubeconfig                Print a kubeconfig for kubectl and client libraries
  exec <pod> [-n <namespace>] [-c <container>] -- <command...>
                            Run a command in a pod's network namespace (with its resolv.conf
                            and hosts)
  exec --node <node> -- <command...>      Run a command on a node (its network namespace)
  exec --outside -- <command...>          Run a command on the host outside the cluster
  proxy render --mode nftables|iptables|ipvs -f <manifests...> --node-name <n> --node-ip <ip>
         --cluster-cidr <cidr> --service-cidr <cidr> [--nodeport-addresses <cidr,...>]
         [--masquerade-mark <hex>]
                            Print the rules the service proxy would hold for those Services
                            and EndpointSlices (no root, no cluster; "proxy render -h")

Options:
  --name <cluster>          Cluster name (default "${DEFAULT_CLUSTER}"); clusters coexist
  -h, --help                Show this help

Internal commands (started by "up"): controlplane, relay, agent --node <node>
`;

const OPTIONS = {
  name: { type: 'string', default: DEFAULT_CLUSTER },
  nodes: { type: 'string', default: '2' },
  'datastore-endpoint': { type: 'string' },
  'proxy-mode': { type: 'string' },
  'lb-pool': { type: 'string' },
  backend: { type: 'string' },
  node: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  container: { type: 'string', short: 'c' },
  outside: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

async function main(argv: string[]): Promise<number> {
  // `proxy render` has its own flags (and needs no cluster).
  if (argv[0] === 'proxy') return (await import('./proxy-render.js')).proxyCommand(argv.slice(1));
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  const { values, positionals } = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, strict: true });
  const [command, ...args] = positionals;
  if (values.help || !command || command === 'help') {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 2;
  }
  const name = values.name;
  switch (command) {
    case 'up': {
      if (!/^\d+$/.test(values.nodes)) throw new Error(`--nodes: Invalid value "${values.nodes}": must be an integer from 1 to 200`);
      const nodes = Number(values.nodes);
      const { up } = await import('./up-down.js');
      const endpoint = values['datastore-endpoint'];
      if (endpoint !== undefined) parseDatastoreEndpoint(endpoint); // a bad flag fails before anything is built
      const { parseProxyMode } = await import('../proxy/mode.js');
      const proxyMode = parseProxyMode(values['proxy-mode'] ?? 'nftables', '--proxy-mode');
      const lbPool = values['lb-pool'];
      if (lbPool !== undefined) new (await import('../loadbalancer/pool.js')).IPPool(lbPool, '--lb-pool'); // fails before anything is built
      const backend = parseClusterBackend(values.backend ?? 'vxlan', '--backend');
      const cfg = await up({ name, nodes, datastoreEndpoint: endpoint, proxyMode, lbPool, backend });
      console.log(`Cluster "${name}" is ready. kubectl: export KUBECONFIG=${paths.kubeconfig(cfg.root)}`);
      return 0;
    }
    case 'down': {
      const { down } = await import('./up-down.js');
      await down(name);
      return 0;
    }
    case 'restart':
      await (await import('./restart.js')).restart({ name });
      return 0;
    case 'node':
      return (await import('./node-command.js')).nodeCommand(name, args);
    case 'status':
      return (await import('./status.js')).status(name);
    case 'kubeconfig':
      process.stdout.write(readFileSync(paths.kubeconfig(loadClusterConfig(name).root), 'utf8'));
      return 0;
    case 'exec': {
      const { execIn } = await import('./exec.js');
      return execIn(
        loadClusterConfig(name),
        { pod: args[0], namespace: values.namespace, container: values.container, node: values.node, outside: values.outside },
        rest,
      );
    }
    case 'demo':
      return (await import('./demo.js')).demo(name);
    case 'controlplane':
      await (await import('./daemons.js')).runControlPlane(loadClusterConfig(name));
      return 0;
    case 'relay':
      await (await import('./daemons.js')).runRelay(loadClusterConfig(name));
      return 0;
    case 'agent': {
      if (!values.node) throw new Error('agent: --node <node> is required');
      await (await import('./daemons.js')).runNodeAgent(loadClusterConfig(name), values.node);
      return 0;
    }
    default:
      process.stderr.write(`podnet: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  // Daemons return only when they stop; one-shot commands end here.
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`podnet: ${(e as Error).message ?? String(e)}\n`);
    process.exit(1);
  },
);
