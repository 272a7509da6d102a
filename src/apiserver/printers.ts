/**
 * Table columns per kind, as upstream's printers (pkg/printers/internalversion AddHandlers):
 * the same column names, priorities (1 = only with -o wide) and cell formats.
 */
import type { DaemonSet, Deployment, EndpointSlice, Endpoints, Node, Pod, ReplicaSet, ReplicationController, Secret, Service } from '../api/types.js';
import type { Obj } from './codec.js';
import { EXTRA_PRINTERS } from './extra-printers.js';
import { age } from './human-duration.js';
import { formatLabelSelector, formatMatchLabels } from './label-selector.js';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Printer {
  columns: ColumnDefinition[];
  row(obj: Obj): unknown[];
}

const col = (name: string, type = 'string', priority = 0, format = ''): ColumnDefinition => ({
  name,
  type,
  format,
  description: name === 'Name' ? 'Name must be unique within a namespace.' : name,
  priority,
});
const NAME = col('Name', 'string', 0, 'name');
const AGE = col('Age');
const none = (s: string | undefined | null): string => (s ? s : '<none>');
const nameOf = (o: Obj): string => o.metadata?.name ?? '';
const ageOf = (o: Obj): string => age(o.metadata?.creationTimestamp);

function podStatus(pod: Pod): string {
  let reason = pod.status?.reason || pod.status?.phase || '';
  let hasRunning = false;
  for (const cs of [...(pod.status?.containerStatuses ?? [])].reverse()) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
    else if (cs.state?.terminated) {
      const t = cs.state.terminated;
      reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
    } else if (cs.ready && cs.state?.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) {
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    reason = ready ? 'Running' : 'NotReady';
  }
  if (pod.metadata?.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

const pods: Printer = {
  columns: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
  row: (o) => {
    const pod = o as Pod;
    const statuses = pod.status?.containerStatuses ?? [];
    const ready = statuses.filter((c) => c.ready).length;
    const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
    const gates = pod.spec?.readinessGates ?? [];
    const gateReady = gates.filter((g) => pod.status?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length;
    return [
      nameOf(o),
      `${ready}/${pod.spec?.containers?.length ?? 0}`,
      podStatus(pod),
      String(restarts),
      ageOf(o),
      none(pod.status?.podIP),
      none(pod.spec?.nodeName),
      none(pod.status?.nominatedNodeName),
      gates.length ? `${gateReady}/${gates.length}` : '<none>',
    ];
  },
};

function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const ips = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ExternalName':
      return spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
      const all = [...lb, ...ips];
      return all.length ? all.join(',') : '<pending>';
    }
    default:
      return ips.length ? ips.join(',') : '<none>';
  }
}

const services: Printer = {
  columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
  row: (o) => {
    const svc = o as Service;
    const ports = (svc.spec?.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`));
    return [
      nameOf(o),
      svc.spec?.type ?? '',
      none(svc.spec?.clusterIP),
      externalIP(svc),
      ports.length ? ports.join(',') : '<none>',
      ageOf(o),
      none(formatMatchLabels(svc.spec?.selector)),
    ];
  },
};

const containerCols = [col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)];
function containerCells(o: Deployment | ReplicaSet): string[] {
  const cs = o.spec?.template?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(','), none(formatLabelSelector(o.spec?.selector))];
}

const deployments: Printer = {
  columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, ...containerCols],
  row: (o) => {
    const d = o as Deployment;
    const s = d.status ?? {};
    return [nameOf(o), `${s.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, s.updatedReplicas ?? 0, s.availableReplicas ?? 0, ageOf(o), ...containerCells(d)];
  },
};

const replicasets: Printer = {
  columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE, ...containerCols],
  row: (o) => {
    const rs = o as ReplicaSet;
    return [nameOf(o), rs.spec?.replicas ?? 0, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0, ageOf(o), ...containerCells(rs)];
  },
};

const replicationcontrollers: Printer = {
  columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE, ...containerCols],
  row: (o) => {
    const rc = o as ReplicationController;
    const cs = rc.spec?.template?.spec?.containers ?? [];
    const selector = none(formatMatchLabels(rc.spec?.selector));
    return [nameOf(o), rc.spec?.replicas ?? 0, rc.status?.replicas ?? 0, rc.status?.readyReplicas ?? 0, ageOf(o), cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(','), selector];
  },
};

const daemonsets: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer'),
    col('Current', 'integer'),
    col('Ready', 'integer'),
    col('Up-to-date', 'integer'),
    col('Available', 'integer'),
    col('Node Selector'),
    AGE,
    ...containerCols,
  ],
  row: (o) => {
    const ds = o as DaemonSet;
    const s = ds.status;
    const counts = [s?.desiredNumberScheduled ?? 0, s?.currentNumberScheduled ?? 0, s?.numberReady ?? 0, s?.updatedNumberScheduled ?? 0, s?.numberAvailable ?? 0];
    return [nameOf(o), ...counts, none(formatMatchLabels(ds.spec?.template?.spec?.nodeSelector)), ageOf(o), ...containerCells(ds as unknown as ReplicaSet)];
  },
};

const secrets: Printer = {
  columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
  row: (o) => [nameOf(o), (o as Secret).type ?? '', Object.keys((o as Secret).data ?? {}).length, ageOf(o)],
};

function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

const nodes: Printer = {
  columns: [NAME, col('Status'), col('Roles'), AGE, col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1), col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
  row: (o) => {
    const n = o as Node;
    const roles = Object.keys(n.metadata?.labels ?? {})
      .filter((k) => k.startsWith('node-role.kubernetes.io/'))
      .map((k) => k.slice('node-role.kubernetes.io/'.length) || '')
      .filter(Boolean);
    const addr = (t: string): string => none(n.status?.addresses?.filter((a) => a.type === t).map((a) => a.address).join(','));
    const info = n.status?.nodeInfo;
    return [nameOf(o), nodeStatus(n), roles.length ? roles.sort().join(',') : '<none>', ageOf(o), info?.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), none(info?.osImage), none(info?.kernelVersion), none(info?.containerRuntimeVersion)];
  },
};

const moreThan3 = (list: string[]): string => (list.length === 0 ? '<none>' : list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(','));

const endpoints: Printer = {
  columns: [NAME, col('Endpoints'), AGE],
  row: (o) => {
    const eps: string[] = [];
    for (const s of (o as Endpoints).subsets ?? []) {
      for (const a of s.addresses ?? []) {
        if (!s.ports?.length) eps.push(a.ip);
        for (const p of s.ports ?? []) eps.push(`${a.ip}:${p.port}`);
      }
    }
    return [nameOf(o), moreThan3(eps), ageOf(o)];
  },
};

const endpointslices: Printer = {
  columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
  row: (o) => {
    const s = o as unknown as EndpointSlice;
    const ports = (s.ports ?? []).map((p) => (p.port === undefined || p.port === null ? '<unset>' : String(p.port)));
    const addrs = (s.endpoints ?? []).flatMap((e) => e.addresses);
    return [nameOf(o), s.addressType, ports.length ? ports.join(',') : '<unset>', addrs.length ? moreThan3(addrs) : '<unset>', ageOf(o)];
  },
};

const namespaces: Printer = {
  columns: [NAME, col('Status'), AGE],
  row: (o) => [nameOf(o), (o.status as { phase?: string } | undefined)?.phase ?? '', ageOf(o)],
};

const configmaps: Printer = {
  columns: [NAME, col('Data', 'integer'), AGE],
  row: (o) => [nameOf(o), Object.keys((o.data as object) ?? {}).length + Object.keys((o.binaryData as object) ?? {}).length, ageOf(o)],
};

const events: Printer = {
  columns: [
    col('Last Seen'),
    col('Type'),
    col('Reason'),
    col('Object'),
    col('Subobject', 'string', 1),
    col('Source', 'string', 1),
    col('Message'),
    col('First Seen', 'string', 1),
    col('Count', 'integer', 1),
    { ...NAME, priority: 1 },
  ],
  row: (o) => {
    const inv = (o.involvedObject as { kind?: string; name?: string; fieldPath?: string } | undefined) ?? {};
    const src = (o.source as { component?: string; host?: string } | undefined) ?? {};
    const first = (o.firstTimestamp as string | undefined) ?? (o.eventTime as string | undefined) ?? o.metadata?.creationTimestamp;
    const last = (o.lastTimestamp as string | undefined) ?? first;
    const source = [src.component ?? (o.reportingComponent as string | undefined) ?? '', src.host].filter(Boolean).join(', ');
    return [age(last), o.type ?? '', o.reason ?? '', `${(inv.kind ?? '').toLowerCase()}/${inv.name ?? ''}`, inv.fieldPath ?? '', source, o.message ?? '', age(first), (o.count as number | undefined) ?? 1, nameOf(o)];
  },
};

const generic: Printer = { columns: [NAME, AGE], row: (o) => [nameOf(o), ageOf(o)] };

const PRINTERS: Record<string, Printer> = {
  ...EXTRA_PRINTERS,
  Pod: pods,
  Service: services,
  Deployment: deployments,
  ReplicaSet: replicasets,
  ReplicationController: replicationcontrollers,
  DaemonSet: daemonsets,
  Secret: secrets,
  Node: nodes,
  Endpoints: endpoints,
  EndpointSlice: endpointslices,
  Namespace: namespaces,
  ConfigMap: configmaps,
  Event: events,
};

export const printerFor = (kind: string): Printer => PRINTERS[kind] ?? generic;
