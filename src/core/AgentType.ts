/** The result of registering an agent type: its name. */
export class AgentType {
  constructor(
    /** The registered type name. */
    readonly type: string,
  ) {}

  /** The type name. */
  toString(): string {
    return this.type;
  }
}
