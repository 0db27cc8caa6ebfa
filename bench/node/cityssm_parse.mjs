// @cityssm/green-button-parser (pinned in package.json) on every Green Button XML file of a
// folder, for bench/greenbutton_parse.py: one Node process, each file's bytes read once,
// then `runs` timed parses (bytes -> string -> atomToGreenButtonJson), median reported.
// Readings are the IntervalReading elements it returns. Prints one JSON object:
// {"node": version, "files": {name: {"seconds": s, "readings": n} | {"error": "Class: msg"}}}
//
//   node bench/node/cityssm_parse.mjs FOLDER [RUNS]

import fs from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'

import { atomToGreenButtonJson } from '@cityssm/green-button-parser'

const [folder, runsArgument] = process.argv.slice(2)
const runs = Number(runsArgument ?? 5)

function readingsIn(feed) {
  let count = 0
  for (const entry of feed.entries) {
    for (const block of entry.content?.IntervalBlock ?? []) {
      count += (block.IntervalReading ?? []).length
    }
  }
  return count
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const files = {}
for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.xml')).sort()) {
  const bytes = fs.readFileSync(path.join(folder, name))
  try {
    const times = []
    let readings = 0
    for (let run = 0; run < runs; run += 1) {
      const start = performance.now()
      const feed = await atomToGreenButtonJson(bytes.toString('utf8'))
      times.push((performance.now() - start) / 1000)
      readings = readingsIn(feed)
    }
    files[name] = { seconds: median(times), readings }
  } catch (error) {
    files[name] = { error: `${error?.constructor?.name ?? 'Error'}: ${String(error?.message ?? error).slice(0, 80)}` }
  }
}
process.stdout.write(JSON.stringify({ node: process.version, files }) + '\n')
