import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { renderMetrics } from './metrics-exposition';

/** Fastify's reply and Express's response both have `header(name, value)`. */
interface ReplyLike {
  header(name: string, value: string): unknown;
}

/**
 * `/metrics` on the application's own server, for processes whose only HTTP port is a management port.
 * PrometheusModule gives the controller its path (`path` option, `/metrics`), so the route is its root.
 */
@Controller()
export class MetricsController {
  @Get()
  @Header('cache-control', 'no-store')
  async metrics(
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: ReplyLike,
  ): Promise<string> {
    const { contentType, body } = await renderMetrics(accept);
    reply.header('content-type', contentType);
    return body;
  }
}
