export function extractFullOutputText(raw: unknown): string | undefined {
	if (raw === null || raw === undefined) return undefined;
	if (typeof raw === "string") return raw;

	if (Array.isArray(raw)) {
		const parts: string[] = [];
		for (const item of raw) {
			if (isRecord(item) && "result" in item) {
				const result = item.result;
				if (typeof result === "string") {
					parts.push(result);
				} else if (Array.isArray(result)) {
					for (const part of result) {
						if (
							isRecord(part) &&
							(part as { type?: string }).type === "text" &&
							"text" in part
						) {
							parts.push(String(part.text));
						}
					}
				}
			}
		}
		if (parts.length > 0) return parts.join("\n");
	}

	if (typeof raw === "object") {
		// MCP tools return {content: [{type: "text", text}, ...]}. Extract the
		// text so multi-line results keep real newlines instead of being
		// JSON-escaped into one giant line that floods the terminal (#13038).
		// Non-text blocks keep their identifying metadata plus their base64
		// payloads so mixed results are not silently truncated.
		const content = (raw as { content?: unknown }).content;
		if (Array.isArray(content)) {
			const parts = content
				.map((part) => {
					if (!isRecord(part)) return "";
					if (part.type === "text" && typeof part.text === "string") {
						return part.text;
					}
					if (part.type === "resource" && isRecord(part.resource)) {
						if (typeof part.resource.text === "string") {
							return part.resource.text;
						}
						if (typeof part.resource.blob === "string" && part.resource.blob) {
							const label =
								typeof part.resource.uri === "string"
									? `[resource: ${part.resource.uri}]`
									: "[resource]";
							return `${label}\n${chunkBase64(part.resource.blob)}`;
						}
						if (typeof part.resource.uri === "string") {
							return `[resource: ${part.resource.uri}]`;
						}
					}
					if (part.type === "resource_link" && typeof part.uri === "string") {
						return `[resource_link: ${part.uri}]`;
					}
					if (
						(part.type === "image" || part.type === "audio") &&
						typeof part.mimeType === "string"
					) {
						if (typeof part.data === "string" && part.data) {
							return `[${part.type}: ${part.mimeType}]\n${chunkBase64(part.data)}`;
						}
						return `[${part.type}: ${part.mimeType}]`;
					}
					return typeof part.type === "string" ? `[${part.type}]` : "";
				})
				.filter(Boolean);
			if (parts.length > 0) return parts.join("\n");
		}
		try {
			return JSON.stringify(raw, null, 2);
		} catch {
			return String(raw);
		}
	}

	return String(raw);
}
