import { runCommand } from './exec.js';

/**
 * nftables scripts. A table is replaced atomically by one `nft -f` transaction that
 * makes it (if missing), deletes it and defines it anew: traffic never meets half a
 * ruleset, and conntrack entries (which live outside tables) survive.
 */

/** The lines that delete a table whether or not it exists. */
export const dropTable = (family: string, name: string): string[] => [`table ${family} ${name} {}`, `delete table ${family} ${name}`];

/** A chain's lines inside a table definition, with its hook line for a base chain. */
export const chain = (name: string, body: string[], hook?: string): string[] => [
  `  chain ${name} {`, ...(hook ? [`    ${hook}`] : []), ...body.map((r) => `    ${r}`), '  }',
];

/** Applies a script (in `netns` if given); throws CommandFailed with nft's message. */
export async function applyNft(script: string, netns?: string): Promise<void> {
  await runCommand('nft', ['-f', '-'], { ...(netns ? { netns } : {}), input: script });
}
