/** An agent address of the baseline dispatcher: type and key, like agentwire's `AgentId`. */
export class MailboxAddress {
  constructor(
    readonly type: string,
    readonly key: string,
  ) {}

  toString(): string {
    return `${this.type}/${this.key}`;
  }
}
