/**
 * What process a container runs, as the runtime derives it from the image's ENTRYPOINT/CMD and
 * the container's command/args: a built-in image runs `node main.js <image> [args]`; a container
 * that sets `command:` runs it with the host's tools, unless it names the image's own entrypoint.
 */
import { builtinImageFor, hasBuiltinProgram, isEntrypointOf, pullErrorMessage } from './builtin.js';

export interface CommandInput {
  image: string;
  command?: string[];
  args?: string[];
  /** The node binary (process.execPath) and `<repoRoot>/dist/src/images/main.js`. */
  nodePath: string;
  mainJs: string;
}

export type CommandResult = { ok: true; argv: string[] } | { ok: false; reason: 'ErrImagePull'; message: string };

export function resolveCommand(input: CommandInput): CommandResult {
  const builtin = builtinImageFor(input.image);
  if (!builtin) return { ok: false, reason: 'ErrImagePull', message: pullErrorMessage(input.image) };
  const command = input.command ?? [];
  const args = input.args ?? [];
  const program = (rest: string[]) => [input.nodePath, input.mainJs, input.image, ...rest];
  if (command.length > 0) {
    if (hasBuiltinProgram(builtin) && isEntrypointOf(builtin, command[0])) {
      return { ok: true, argv: program([...command.slice(1), ...args]) };
    }
    return { ok: true, argv: [...command, ...args] };
  }
  if (!hasBuiltinProgram(builtin)) return { ok: true, argv: args.length > 0 ? args : ['sh'] };
  return { ok: true, argv: program(args) };
}
