/**
 * The apiserver's own integration suites, unchanged, on a real etcd: REST semantics, watch
 * (client-node informer included), restart, and the kubectl suite's https + token variant. Each suite opens its store through
 * openTestStore(), which PODNET_TEST_STORE=etcd points at an etcd this process starts.
 */
process.env.PODNET_TEST_STORE = 'etcd';

await import('../apiserver/rest.test.js');
await import('../apiserver/watch.test.js');
await import('../apiserver/restart.test.js');
await import('../apiserver/kubectl.test.js');
