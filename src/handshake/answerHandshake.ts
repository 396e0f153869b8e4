import { randomUUID } from 'node:crypto';
import type { AgentId } from '../core/AgentId.js';
import type { HandshakeRequest } from './HandshakeRequest.js';
import { HandshakeResponse } from './HandshakeResponse.js';

/**
 * The default handshake answer (the seed's rule): accepted with the shared capabilities when the
 * protocol major versions match and at least one capability is shared; otherwise rejected.
 */
export function answerHandshake(self: AgentId, own: readonly string[], ownVersion: string, request: HandshakeRequest): HandshakeResponse {
  if (major(request.protocolVersion) !== major(ownVersion)) {
    return new HandshakeResponse(self, false, [], '', `Protocol version ${request.protocolVersion} is not compatible with ${ownVersion}`);
  }
  const shared = request.capabilities.filter((c) => own.includes(c));
  if (shared.length === 0) return new HandshakeResponse(self, false, [], '', 'No compatible capabilities');
  return new HandshakeResponse(self, true, shared, randomUUID().slice(0, 8), '');
}

function major(version: string): string {
  return String(version).split('.')[0]!;
}
