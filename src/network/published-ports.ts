// Published ports: expand `ports` entries into concrete host bindings, check them free, pick random ports.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { UserError } from '../errors.js';
import type { ServicePortConfig } from '../spec/model.js';
import { looksLikeIpv6, parseIpv4 } from './ipv4.js';

/** A port to publish; `hostPorts` lists the candidates (one, a range, or empty for "any free port"). */
export interface PortRequest {
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPorts: number[];
  containerPort: number;
  keyPath: string;
}

export interface PublishedPort {
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/** Check and expand a service's ports (already in long syntax). */
export function planPorts(ports: readonly ServicePortConfig[], keyPath: string): PortRequest[] {
  return ports.map((port, index) => {
    const path = `${keyPath}[${index}]`;
    if (port.protocol !== 'tcp' && port.protocol !== 'udp') {
      throw new UserError(`expected protocol tcp or udp, found "${port.protocol}"`, { keyPath: `${path}.protocol`, hint: 'berth publishes tcp and udp ports' });
    }
    const hostIp = port.host_ip ?? '0.0.0.0';
    if (looksLikeIpv6(hostIp)) {
      throw new UserError(`expected an IPv4 host_ip, found ${hostIp}`, { keyPath: `${path}.host_ip`, hint: 'berth networks are IPv4 only' });
    }
    try {
      parseIpv4(hostIp);
    } catch {
      throw new UserError(`expected an IPv4 host_ip like 127.0.0.1, found "${hostIp}"`, { keyPath: `${path}.host_ip` });
    }
    return { protocol: port.protocol, hostIp, hostPorts: parsePublished(port.published, `${path}.published`), containerPort: port.target, keyPath: path };
  });
}

function parsePublished(published: string | undefined, keyPath: string): number[] {
  if (published === undefined || published === '') return [];
  const match = /^(\d+)(?:-(\d+))?$/.exec(published);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (!match || first < 1 || last > 65535 || last < first) {
    throw new UserError(`expected a port or a range like 8080-8089, found "${published}"`, { keyPath });
  }
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** Two bindings clash when protocol and port match and either address is the wildcard or both are the same. */
export function bindingsClash(a: { protocol: string; hostIp: string; hostPort: number }, b: { protocol: string; hostIp: string; hostPort: number }): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort && (a.hostIp === b.hostIp || a.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0');
}

/**
 * Choose a concrete host port for every request: the first candidate that no berth record holds and that the host
 * lets us bind (so a listening process is found), or a port the kernel picks when none is given.
 */
export async function choosePorts(
  requests: readonly PortRequest[],
  held: readonly { protocol: string; hostIp: string; hostPort: number }[],
): Promise<PublishedPort[]> {
  const chosen: PublishedPort[] = [];
  for (const request of requests) {
    const taken = [...held, ...chosen];
    let hostPort: number | undefined;
    if (request.hostPorts.length === 0) {
      for (let attempt = 0; attempt < 20 && hostPort === undefined; attempt++) {
        const candidate = await probeBind(request.protocol, request.hostIp, 0);
        if (candidate !== undefined && !taken.some((other) => bindingsClash(other, { ...request, hostPort: candidate }))) hostPort = candidate;
      }
    } else {
      for (const candidate of request.hostPorts) {
        if (taken.some((other) => bindingsClash(other, { ...request, hostPort: candidate }))) continue;
        if ((await probeBind(request.protocol, request.hostIp, candidate)) !== undefined) {
          hostPort = candidate;
          break;
        }
      }
    }
    if (hostPort === undefined) {
      const wanted = request.hostPorts.length === 1 ? `port ${request.hostPorts[0]}` : request.hostPorts.length ? `every port of ${request.hostPorts[0]}-${request.hostPorts.at(-1)}` : 'a free port';
      throw new UserError(`${wanted}/${request.protocol} on ${request.hostIp} is already in use`, {
        keyPath: request.keyPath,
        hint: 'stop what listens there, or publish another host port',
      });
    }
    chosen.push({ protocol: request.protocol, hostIp: request.hostIp, hostPort, containerPort: request.containerPort });
  }
  return chosen;
}

/** Bind and release at once: the port the kernel gave, or undefined when the address is in use. */
function probeBind(protocol: 'tcp' | 'udp', host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    if (protocol === 'udp') {
      const socket = createSocket('udp4');
      socket.once('error', (error: NodeJS.ErrnoException) => {
        socket.close();
        if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
        else reject(error);
      });
      socket.bind({ address: host, port, exclusive: true }, () => {
        const bound = socket.address().port;
        socket.close(() => resolve(bound));
      });
      return;
    }
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
      else reject(error);
    });
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}
