/** A peer actor library set up for request–response: one actor that answers `value + 1`. */
export interface PeerAsk {
  readonly name: string;
  ask(value: number): Promise<number>;
  close(): Promise<void>;
}
