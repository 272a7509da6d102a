/** Entry of the userspace proxy's socket process (started by the proxier inside the node netns). */
import { runSocketProcess } from './socket-process.js';

runSocketProcess();
