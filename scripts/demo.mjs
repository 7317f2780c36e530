// `pnpm demo [express|koa|fastify|mcp] [--once]`: runs an example API against the local issuer
// (`mcp`: the MCP server of examples/mcp, on Express).
// `pnpm demo` builds first, so this loads the compiled examples.
const frameworks = ['express', 'koa', 'fastify', 'mcp']
const args = process.argv.slice(2)
const framework = args.find((arg) => !arg.startsWith('--')) ?? 'express'
if (!frameworks.includes(framework)) {
  console.error(`Unknown framework "${framework}": choose one of ${frameworks.join(', ')}.`)
  process.exit(2)
}
const { demo } = await import(`../examples/${framework}/dist/demo.js`)
await demo(args.includes('--once'))
