/** The pause image: holds the sandbox and does nothing until told to stop. */
import { untilSignal } from './serve.js';

export async function pause(): Promise<void> {
  // A timer keeps the event loop alive; the signal handler ends the wait.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await untilSignal();
  clearInterval(keepAlive);
}
