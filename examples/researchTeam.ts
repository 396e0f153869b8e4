/**
 * The research team of the flagship demo (`npm start`, examples/demo.ts) and of the cluster demo
 * (`npm run demo:cluster`, examples/cluster/): its messages and agents, written once and hosted by
 * either runtime. A {@link World} holds the switches a demo flips to inject faults, and where the
 * team's side effects go.
 */
import 'reflect-metadata';
import {
  AgentId,
  type Clock,
  type MessageContext,
  RoutedAgent,
  circuitBreaker,
  event,
  messageHandler,
  retry,
  sleep,
  timeout,
  typeSubscription,
} from '../src/index.js';

// ── messages ─────────────────────────────────────────────────────────────────────────────────
export class Research {
  constructor(readonly topic: string) {}
}
export class Findings {
  constructor(readonly items: readonly string[]) {}
}
export class Review {
  constructor(readonly draft: string) {}
}
export class CheckFact {
  constructor(readonly claim: string) {}
}
export class Search {
  constructor(readonly query: string) {}
}
export class ReportPublished {
  constructor(readonly title: string) {}
}

/**
 * Where the team's side effects go (notes saved, a review posted, a check logged). `perform` does
 * effect `name` of the request being handled once per request, however often the handler runs (a
 * retry, or a redelivery to another process after a crash): through `ctx.once`, keyed by the request
 * id and the effect's name.
 */
export interface SideEffects {
  perform(ctx: MessageContext, name: string): Promise<void>;
}

/** Side effects in one process: each done key, in order. */
export class InProcessEffects implements SideEffects {
  /** Every effect performed, as `<request id>/<name>`, in order. */
  readonly done: string[] = [];

  async perform(ctx: MessageContext, name: string): Promise<void> {
    await ctx.once(`${ctx.messageId}/${name}`, (): void => void this.done.push(`${ctx.messageId}/${name}`));
  }
}

/** Shared switches the demo flips to inject and heal faults, and the team's side effects. */
export class World {
  searchDown = false;
  archiveDown = false;
  researchCalls = 0;
  constructor(
    readonly random: () => number,
    readonly effects: SideEffects = new InProcessEffects(),
  ) {}
}

// ── agents ───────────────────────────────────────────────────────────────────────────────────
/** Finds trends; its first call (per world) is slow and misses its timeout, the retry is quick. Saves its notes once per request. */
export class Researcher extends RoutedAgent {
  constructor(
    private readonly world: World,
    private readonly clock: Clock,
  ) {
    super('Finds trends (slow on its first try)');
  }

  @messageHandler()
  @timeout(300)
  @retry({ maxRetries: 2, baseDelay: 100, jitter: 'none' })
  async research(message: Research, ctx: MessageContext): Promise<Findings> {
    ctx.reportStatus({ etaMs: this.world.researchCalls === 0 ? 500 : 100, detail: `researching ${message.topic}` });
    await sleep(this.clock, this.world.researchCalls++ === 0 ? 500 : 100, ctx.signal);
    await this.world.effects.perform(ctx, 'notes saved');
    return new Findings([`${message.topic}: multi-agent systems are going mainstream`, `${message.topic}: reliability is the bottleneck`]);
  }
}

/** Reviews drafts; fails twice (per instance) before it succeeds. Posts its review once per request. */
export class Reviewer extends RoutedAgent {
  private failuresLeft = 2;

  constructor(private readonly world: World) {
    super('Reviews drafts (flaky)');
  }

  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 200, jitter: 'full' })
  async review(message: Review, ctx: MessageContext): Promise<string> {
    if (this.failuresLeft-- > 0) throw new Error('reviewer overloaded');
    await this.world.effects.perform(ctx, 'review posted');
    return `approved: "${message.draft.slice(0, 40)}…"`;
  }
}

/** An external search dependency the demo takes down and brings back. */
export class SearchApi extends RoutedAgent {
  constructor(private readonly world: World) {
    super('An external search dependency');
  }

  @messageHandler()
  search(message: Search): string {
    if (this.world.searchDown) throw new Error('search API unavailable (503)');
    return `3 sources confirm "${message.query}"`;
  }
}

/** Checks claims against the search API (`search/<its own key>`), behind a circuit breaker. Logs each check once per request. */
export class FactChecker extends RoutedAgent {
  constructor(private readonly world: World) {
    super('Checks claims against the search API');
  }

  @messageHandler()
  @circuitBreaker({ failureThreshold: 3, recoveryTimeout: 1_000 })
  async check(message: CheckFact, ctx: MessageContext): Promise<string> {
    const confirmed = await this.sendMessage<string>(new Search(message.claim), new AgentId('search', this.id.key));
    await this.world.effects.perform(ctx, 'check logged');
    return confirmed;
  }
}

/** Archives published reports (subscribed to the `reports` topic type). */
@typeSubscription('reports')
export class Archive extends RoutedAgent {
  readonly archived: string[] = [];

  constructor(private readonly world: World) {
    super('Archives published reports');
  }

  @event()
  store(message: ReportPublished): void {
    if (this.world.archiveDown) throw new Error('archive disk full');
    this.archived.push(message.title);
  }
}
