/** kube-proxy's CleanupLeftovers: removes other proxy modes' rules from a node netns. */
export { cleanupLeftovers, listTables, MODE_TABLES, type CleanupResult } from './cleanup-leftovers.js';
export { cleanupIptablesLeftovers, iptablesCleanupInput, IPTABLES_TABLES, type IptablesTable } from './iptables-leftovers.js';
