export type Document = { id: string; title: string; archivedAt: string | null };

export class DocumentsStore {
  private docs = new Map<string, Document>();

  async load(id: string): Promise<Document> {
    const cached = this.docs.get(id);
    if (cached) {
      return cached;
    }
    const res = await fetch(`/api/documents/${id}`);
    const doc = (await res.json()) as Document;
    this.docs.set(id, doc);
    return doc;
  }

  get(id: string): Document | undefined {
    return this.docs.get(id);
  }

  async isArchived(id: string): Promise<boolean> {
    const doc = await this.load(id);
    return doc.archivedAt !== null;
  }
}
