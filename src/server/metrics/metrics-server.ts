import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';

export interface MetricsServer {
  /** `http://host:port`; scrape `${url}/metrics`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  registry: Registry;
  /** 0 picks a free port. */
  port: number;
  host: string;
  logger: Logger;
}

/**
 * Serves `GET /metrics` (Prometheus text format) on a port of its own, so the metrics stay off
 * the public port a load balancer exposes. Nothing else is served.
 *
 * @example const server = await startMetricsServer({ registry, port: 9464, host: '0.0.0.0', logger });
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, port, host, logger } = options;
  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        logger.error('metrics: collecting failed', error);
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end('collecting failed\n');
      },
    );
  });
  await new Promise<void>((done, fail) => {
    const refuse = (error: Error) =>
      fail(
        new Error(`metrics server: cannot listen on ${host}:${port}: ${error.message}`, {
          cause: error,
        }),
      );
    http.once('error', refuse);
    http.listen(port, host, () => {
      http.off('error', refuse);
      done();
    });
  });
  const address = http.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((done) => {
        http.close(() => done());
        http.closeAllConnections();
      });
      return closing;
    },
  };
}
