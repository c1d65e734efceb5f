package checklist

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/synthgo"
)

// BenchmarkReimplementedHelpers times the re-implemented helper check on the 200-file change of
// BenchmarkStaticReview, over the base's platform package.
//
//	go test ./checklist/ -run '^$' -bench ReimplementedHelpers -benchmem
func BenchmarkReimplementedHelpers(b *testing.B) {
	in, added := synthInput(b)
	tree := in.Tree.(secMapTree)
	for p, src := range synthgo.Base() {
		tree[p] = src
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := (&ReimplementedHelpers{}).Analyze(context.Background(), in)
		if err != nil || len(res.Findings) > 0 {
			b.Fatal(err, res.Findings)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(added), "ns/added-line")
}

// BenchmarkJSShapes times the JS/TS reader (tokens, functions, signatures, closures, exports) on a
// TypeScript module of about 400 KB: top-level functions, typed const arrows, a class per block,
// and exports in every form.
//
//	go test ./checklist/ -run '^$' -bench JSShapes -benchmem
func BenchmarkJSShapes(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 400<<10; i++ {
		fmt.Fprintf(&sb, `function helper%[1]d(a: string, b: number): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const x of a.split(",")) {
    out.set(x, [b, %[1]d]);
  }
  return Promise.resolve(out);
}

export const View%[1]d: React.FC<Props> = ({ items }) => {
  const total = items.reduce((s, it) => s + it.n, 0);
  return total > %[1]d ? "many" : "few";
};

export class Store%[1]d<T extends { id: string }> {
  private cache = new Map<string, T>();
  async load(id: string): Promise<T | undefined> {
    const hit = this.cache.get(id);
    if (hit) {
      return hit;
    }
    return undefined;
  }
}
export { helper%[1]d };
`, i)
	}
	src := []byte(sb.String())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if len(jsShapes("big.ts", src)) == 0 {
			b.Fatal("no shapes")
		}
	}
}
