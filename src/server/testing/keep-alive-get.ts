import { type Agent, request } from 'node:http';

/**
 * A GET over a keep-alive agent, leaving the connection open afterwards (a load balancer's
 * health checks do so); resolves with the status code.
 */
export function keepAliveGet(url: string, agent: Agent): Promise<number> {
  return new Promise((done, fail) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    })
      .on('error', fail)
      .end();
  });
}
