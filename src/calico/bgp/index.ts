/** Calico's BGP half: confd-like bird.cfg rendering, BIRD per node, birdc. */
export { renderBirdConfig, meshProtocolName, isPassiveTowards, checkBirdConfig, DEFAULT_AS_NUMBER, DEFAULT_TIMERS, type BirdConfig, type BgpPeer, type BgpTimers } from './bird-config.js';
export { BirdDaemon, birdPaths, killStaleBird, type BirdDaemonOptions } from './bird-daemon.js';
export { birdc, birdConfigure, bgpSessions, parseProtocols, showProtocols, type BirdProtocol } from './birdc.js';
