import path from "path"
import { fileURLToPath } from "url"
import readline from "readline"

import { execa } from "execa"

export type StreamEvent = {
	type?: string
	subtype?: string
	requestId?: string
	command?: string
	content?: string
	code?: string
	success?: boolean
	done?: boolean
	id?: number
	queueDepth?: number
	queue?: Array<{ id?: string; text?: string; imageCount?: number; timestamp?: number }>
	tool_use?: {
		name?: string
		input?: Record<string, unknown>
	}
	tool_result?: {
		name?: string
		output?: string
	}
}

export type StreamCommand = {
	command: "start" | "message" | "cancel" | "ping" | "shutdown"
	requestId: string
	prompt?: string
	images?: string[]
}

export interface StreamCaseContext {
	readonly cliRoot: string
	readonly timeoutMs: number
	nextRequestId(prefix: string): string
	sendCommand(command: StreamCommand): void
}

export interface RunStreamCaseOptions {
	timeoutMs?: number
	onEvent: (event: StreamEvent, context: StreamCaseContext) => void
	onTimeoutMessage?: (context: StreamCaseContext) => string
}

const __dirname = path.dirname(fileURLToPath(import.meta.url))
const defaultCliRoot = path.resolve(__dirname, "../../..")

function parseEvent(line: string): StreamEvent | null {
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

