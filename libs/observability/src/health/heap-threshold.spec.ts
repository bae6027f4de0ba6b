import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { ObservabilityModule } from '../observability.module';
import { resolveObservabilityOptions, type HealthOptions } from '../observability.options';
import { DEFAULT_HEAP_USED_THRESHOLD_BYTES } from './heap-threshold';

const MiB = 1024 ** 2;
const resolved = (health: HealthOptions) =>
  resolveObservabilityOptions({ serviceName: 'widgets', health }).health;

describe('the readiness heap threshold', () => {
  it('is 1.5 GiB when the memory limit is not known', () => {
    expect(resolved({}).heapUsedThresholdBytes).toBe(DEFAULT_HEAP_USED_THRESHOLD_BYTES);
    expect(DEFAULT_HEAP_USED_THRESHOLD_BYTES).toBe(1.5 * 1024 ** 3);
  });

  it('is 70% of the container memory limit when it is known, or the share given', () => {
    expect(resolved({ memoryLimitBytes: 512 * MiB }).heapUsedThresholdBytes).toBe(
      Math.floor(0.7 * 512 * MiB),
    );
    expect(resolved({ memoryLimitBytes: 1000, heapUsedLimitRatio: 0.5 }).heapUsedThresholdBytes).toBe(500);
  });

  it('is the threshold given, whatever the limit', () => {
    expect(
      resolved({ memoryLimitBytes: 512 * MiB, heapUsedThresholdBytes: 100 * MiB }).heapUsedThresholdBytes,
    ).toBe(100 * MiB);
  });

  it('refuses a share of the limit outside (0, 1]', () => {
    expect(() => resolved({ memoryLimitBytes: 512 * MiB, heapUsedLimitRatio: 0 })).toThrow(RangeError);
    expect(() => resolved({ heapUsedLimitRatio: 1.5 })).toThrow(RangeError);
  });

  describe('GET /health/ready', () => {
    let app: NestFastifyApplication | undefined;

    async function ready(health: HealthOptions) {
      @Module({
        imports: [
          ObservabilityModule.forRoot({
            serviceName: 'widgets',
            metrics: { port: null },
            logging: { level: 'silent' },
            health,
          }),
        ],
      })
      class AppModule {}
      app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
        logger: false,
      });
      await app.listen(0, '127.0.0.1');
      const response = await fetch(`${await app.getUrl()}/health/ready`);
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    }

    afterEach(async () => {
      await (app as INestApplication | undefined)?.close();
      app = undefined;
      register.clear();
    });

    it('fails once the heap in use passes its share of the container memory limit', async () => {
      // 70% of 1 MiB: any V8 heap is larger.
      const { status, body } = await ready({ memoryLimitBytes: 1 * MiB });
      expect(status).toBe(503);
      expect(body.error.memory_heap).toEqual(expect.objectContaining({ status: 'down' }));
    });

    it('passes while the heap stays below its share of a large limit', async () => {
      const { status, body } = await ready({ memoryLimitBytes: 64 * 1024 * MiB });
      expect(status).toBe(200);
      expect(body.info.memory_heap).toEqual({ status: 'up' });
    });
  });
});
