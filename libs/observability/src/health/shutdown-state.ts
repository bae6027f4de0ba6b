import { Injectable } from '@nestjs/common';

/** Flipped first on SIGTERM, so readiness fails and traffic moves away while in-flight work drains. */
@Injectable()
export class ShutdownState {
  private since: Date | null = null;

  begin(): void {
    this.since ??= new Date();
  }

  get shuttingDown(): boolean {
    return this.since !== null;
  }

  get startedAt(): Date | null {
    return this.since;
  }
}
