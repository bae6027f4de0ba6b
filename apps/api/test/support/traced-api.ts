import { startOtlpReceiver, type OtlpReceiver } from '../../../../test/support/otlp-receiver';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { startApiProcess, type ApiProcess } from '../../../../tooling/app-processes';

export interface TracedApi {
  api: ApiProcess;
  db: TestDatabase;
  receiver: OtlpReceiver;
  stop(): Promise<void>;
}

/** The real API in a child process on a fresh database, exporting its spans to a local OTLP receiver. */
export async function startTracedApi(env: Record<string, string> = {}): Promise<TracedApi> {
  const receiver = await startOtlpReceiver();
  const db = await createTestDatabase();
  const api = await startApiProcess({
    DATABASE_URL: db.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // The receiver reads OTLP/JSON; the default protocol (protobuf) is covered by a unit test.
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    // A span for every SQL statement, not only the slow ones: the specs look for particular statements.
    DB_SPAN_THRESHOLD_MS: '0',
    ...env,
  });
  return {
    api,
    db,
    receiver,
    async stop() {
      await api.stop();
      await receiver.close();
      await db.drop();
    },
  };
}
