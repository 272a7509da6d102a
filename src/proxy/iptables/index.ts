/** kube-proxy's iptables mode: render (pure) and the proxier. */
export { renderIptables, type IptablesRenderOptions } from './render.js';
export { buildIptablesRuleset, restoreInput, type IptablesOptions, type IptablesRuleset, type IptablesState } from './ruleset.js';
export { planFullSync, planPartialSync, type IptablesSyncPlan } from './sync.js';
export { jumpRules, firewallJumpRules, jumpRuleCommands, type JumpRule } from './jump-rules.js';
export { startIptablesProxy, IptablesProxier, type IptablesProxyOptions, type IptablesProxierDeps } from './proxier.js';
export * from './chain-names.js';
