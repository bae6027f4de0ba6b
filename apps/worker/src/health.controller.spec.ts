import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { HealthController } from './health.controller';
import { TemporalWorkerService, type WorkerState } from './temporal-worker.service';

describe('HealthController (Fastify, worker state stubbed)', () => {
  let app: NestFastifyApplication;
  let state: WorkerState = 'NOT_STARTED';

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [HealthController],
      providers: [{ provide: TemporalWorkerService, useValue: { state: () => state } }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('GET /health/live answers 200 whatever the worker does', async () => {
    state = 'FAILED';
    const response = await app.inject({ method: 'GET', url: '/health/live' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /health/ready answers 200 while the worker is RUNNING', async () => {
    state = 'RUNNING';
    const response = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', worker: 'RUNNING' });
  });

  it.each<WorkerState>(['NOT_STARTED', 'DRAINING', 'STOPPED', 'FAILED'])(
    'GET /health/ready answers 503 when the worker is %s',
    async (s) => {
      state = s;
      const response = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(response.json()).toEqual({ status: 'unavailable', worker: s });
    },
  );
});
