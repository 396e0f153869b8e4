import { MessageCodec } from '../../src/index.js';
import { CheckFact, Findings, Research, Review, Search } from '../researchTeam.js';

/** The codec of the research team's messages that cross processes (answers that are strings need none). */
export function teamCodec(): MessageCodec {
  return new MessageCodec().register(Research).register(Findings).register(Review).register(CheckFact).register(Search);
}

/** The agent types a cluster demo worker hosts. */
export const TEAM_TYPES = ['researcher', 'reviewer', 'fact-checker', 'search'] as const;
