import { version } from '../../../package.json';

export interface ServiceIdentity {
  name: string;
  version: string;
  environment: string;
}

/**
 * Who this process is, for metrics, spans and logs: `OTEL_SERVICE_NAME` (standard OpenTelemetry variable)
 * or the process's own name, the package version, and `NODE_ENV`.
 */
export function serviceIdentity(env: NodeJS.ProcessEnv, defaultName: string): ServiceIdentity {
  return {
    name: env.OTEL_SERVICE_NAME || defaultName,
    version,
    environment: env.NODE_ENV || 'development',
  };
}
