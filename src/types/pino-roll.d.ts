/** pino-roll ships no type declarations; this is the part Quiver uses (see its README). */
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  interface PinoRollOptions {
    file: string | (() => string);
    size?: number | string;
    frequency?: number | 'daily' | 'hourly';
    extension?: string;
    mkdir?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    minLength?: number;
  }
  export default function build(options: PinoRollOptions): Promise<DestinationStream & { flushSync(): void; end(): void }>;
}
