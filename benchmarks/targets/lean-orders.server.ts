import Fastify from 'fastify';
import { Pool } from 'pg';
import { ORDERS_SQL } from '../../libs/orders/src/orders.sql';

/**
 * The lean reference of benchmark (e): Fastify and a pg pool, no Nest, no ORM, no validation library,
 * no observability, answering `GET /orders/:id` with the same JSON as the API from the same single
 * statement. What the API costs beyond this is the framework, its checks and its telemetry.
 * DATABASE_URL, PORT.
 */
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify({ logger: false });

app.get<{ Params: { id: string } }>('/orders/:id', async (request, reply) => {
  const { rows } = await pool.query<{ view: unknown }>(ORDERS_SQL.view, [request.params.id, null]);
  if (rows.length === 0) return reply.code(404).send({ statusCode: 404, code: 'ORDER_NOT_FOUND' });
  return rows[0].view;
});

void app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.once(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0)),
);
