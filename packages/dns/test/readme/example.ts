import { Resolver } from 'node:dns/promises';
import { DnsServer } from '@trellis/dns';
import type { TaskEntry } from '@trellis/tasks';

const tasks: TaskEntry[] = [
  {
    id: 'web.1',
    name: 'web',
    framework: 'marathon',
    agent: 'agent-1',
    agentIp: '10.0.0.1',
    networks: [{ name: 'dcos', ipv4: '9.0.1.2' }],
  },
];

const dns = new DnsServer({ host: '127.0.0.1', port: 0, nsAddresses: ['127.0.0.1'] }, { entries: tasks });
const { port } = await dns.start();
// As `dig @127.0.0.1 -p $port web.marathon.containerip.dcos.thisdcos.directory` would ask:
const resolver = new Resolver();
resolver.setServers([`127.0.0.1:${port}`]);
console.log(await resolver.resolve4('web.marathon.containerip.dcos.thisdcos.directory')); // [ '9.0.1.2' ]
console.log(await resolver.resolve4('web.marathon.agentip.dcos.thisdcos.directory')); // [ '10.0.0.1' ]

dns.update([...tasks /* the new table, whenever the store changes */]);
console.log(dns.stats().answers); // { answer: 2, nodata: 0, nxdomain: 0 }
await dns.close();
