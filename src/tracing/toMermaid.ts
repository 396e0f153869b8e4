import type { TraceEntry } from './TraceEntry.js';

/** Options of `toMermaid`. */
export interface MermaidOptions {
  /** How a party is shown; default: the agent type when the key is `default`, else `type/key`. */
  readonly participantName?: (party: string) => string;
  /** Show message ids as `(req 1)`, `(req 2)`, … in order of appearance (default true). */
  readonly messageNumbers?: boolean;
}

/**
 * Renders trace entries as a Mermaid `sequenceDiagram`: sends as `->>`, responses and acks as
 * `-->>`, failures as `--x`, publishes and replays as `-)`, everything else as notes over the agent.
 * Labels and names are escaped with Mermaid's entity codes (`<b>` shows as text, `;` and `#` do not
 * end or break the line), on one line each.
 */
export function toMermaid(entries: readonly TraceEntry[], options: MermaidOptions = {}): string {
  const name = options.participantName ?? defaultName;
  const aliases = new Map<string, string>();
  const numbers = new Map<string, number>();
  const alias = (party: string): string => {
    if (party.endsWith('/*')) party = [...aliases.keys()].find((p) => p.startsWith(party.slice(0, -1))) ?? party;
    let a = aliases.get(party);
    if (a === undefined) aliases.set(party, (a = `p${aliases.size}`));
    return a;
  };
  const tag = (id: string | undefined): string => {
    if (id === undefined || options.messageNumbers === false) return '';
    if (!numbers.has(id)) numbers.set(id, numbers.size + 1);
    return ` (req ${numbers.get(id)})`;
  };
  const lines = entries.map((e) => line(e, alias, tag));
  const header = [...aliases].map(([party, a]) => `    participant ${a} as ${escape(name(party))}`);
  return ['sequenceDiagram', ...header, ...lines].join('\n');
}

function line(e: TraceEntry, alias: (p: string) => string, tag: (id: string | undefined) => string): string {
  const from = alias(e.from);
  const text = escape(e.label) + tag(e.messageId);
  if (e.to === undefined) return `    Note over ${from}: ${text}`;
  const to = alias(e.to);
  switch (e.kind) {
    case 'send':
      return `    ${from}->>${to}: ${text}`;
    case 'failure':
      return `    ${from}--x${to}: ${text}`;
    case 'publish':
    case 'replay':
      return `    ${from}-)${to}: ${text}`;
    default:
      return `    ${from}-->>${to}: ${text}`;
  }
}

function defaultName(party: string): string {
  if (party.endsWith('/default')) return party.slice(0, -'/default'.length);
  if (party.endsWith('/*')) return party.slice(0, -2);
  return party;
}

/** Mermaid's entity code for each character it (or the HTML it renders to) treats specially. */
const ENTITIES: Readonly<Record<string, string>> = { '#': '#35;', ';': '#59;', '<': '#lt;', '>': '#gt;', '&': '#amp;', '"': '#quot;' };

/**
 * Text as Mermaid shows it literally, on one line: `#`, `;`, `<`, `>`, `&` and `"` as entity codes
 * (`;` would end the statement, `#` start an entity, `<b>` turn bold), whitespace runs as one space.
 */
function escape(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/[#;<>&"]/g, (c) => ENTITIES[c]!);
}
