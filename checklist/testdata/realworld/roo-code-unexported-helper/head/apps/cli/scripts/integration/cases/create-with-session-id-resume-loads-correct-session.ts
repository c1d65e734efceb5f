import fs from "fs/promises"
import os from "os"
import path from "path"
import readline from "readline"
import { fileURLToPath } from "url"
import { randomUUID } from "crypto"

import { execa } from "execa"
import type { TaskSessionEntry } from "@roo-code/core/cli"

type StreamEvent = {
	type?: string
	subtype?: string
	requestId?: string
	command?: string
	taskId?: string
	content?: string
	code?: string
	success?: boolean
	done?: boolean
}

const RESUME_TIMEOUT_MS = 180_000
const __dirname = path.dirname(fileURLToPath(import.meta.url))

function parseStreamEvent(line: string): StreamEvent | null {
	const trimmed = line.trim()

	if (!trimmed.startsWith("{")) {
		return null
	}

	try {
		return JSON.parse(trimmed) as StreamEvent
	} catch {
		return null
	}
}
