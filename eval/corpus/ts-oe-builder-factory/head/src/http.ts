export interface RequestStrategy {
  execute(url: string): Promise<Response>;
}

class FetchStrategy implements RequestStrategy {
  execute(url: string): Promise<Response> {
    return fetch(url);
  }
}

export class RequestBuilder {
  private url = "";
  private strategy: RequestStrategy = new FetchStrategy();

  withUrl(url: string): RequestBuilder {
    this.url = url;
    return this;
  }

  withStrategy(strategy: RequestStrategy): RequestBuilder {
    this.strategy = strategy;
    return this;
  }

  build(): () => Promise<Response> {
    return () => this.strategy.execute(this.url);
  }
}

export class RequestBuilderFactory {
  static create(): RequestBuilder {
    return new RequestBuilder();
  }
}
