"""The convenience-store chains this shop may use, and how a member pays at each.

The instructions follow the style of the completion page in the member guide (section 4,
⑤-3); they are sandbox text, not the chains' official wording.
"""

from dataclasses import dataclass

LOPPI_NOTES = (
    "Loppiのあるローソン、またはミニストップ全店でお支払いいただけます。Loppiで申込券を発行してから30分以内にレジでお支払いください。",
    "取扱明細兼受領書が領収書となりますので、お支払い後必ずお受け取りください。",
    "30万円を超えるお支払いはできません。",
    "お支払いは現金のみとなります。",
)
LOPPI_STEPS = (
    "トップページより「各種番号をお持ちの方」を選択してください。",
    "お客様番号を入力し、「次へ」を選択してください。",
    "確認番号を入力し、「次へ」を選択してください。",
    "表示される内容を確認のうえ、「はい」を選択してください。",
    "印刷された申込券をレジに渡し、30分以内に現金でお支払いください。",
    "お支払い後、「取扱明細兼受領書」を必ずお受け取りください。",
)


@dataclass(frozen=True)
class Chain:
    code: str
    name: str
    # "ローソン/ミニストップでお支払いの場合"
    heading: str
    conf_digits: int
    receipt_digits: int
    notes: tuple[str, ...]
    steps_title: str
    steps: tuple[str, ...]


CHAINS = {
    chain.code: chain
    for chain in (
        Chain(
            code="10001",
            name="ローソン",
            heading="ローソン/ミニストップでお支払いの場合",
            conf_digits=4,
            receipt_digits=11,
            notes=LOPPI_NOTES,
            steps_title="「Loppi」を使ってのお支払い方法",
            steps=LOPPI_STEPS,
        ),
        Chain(
            code="10002",
            name="ファミリーマート",
            heading="ファミリーマートでお支払いの場合",
            conf_digits=5,
            receipt_digits=12,
            notes=(
                "全国のファミリーマートでお支払いいただけます。Famiポートで申込券を発行してから30分以内にレジでお支払いください。",
                "領収書は、お支払い後必ずお受け取りください。",
                "30万円を超えるお支払いはできません。",
                "お支払いは現金のみとなります。",
            ),
            steps_title="「Famiポート」を使ってのお支払い方法",
            steps=(
                "Famiポートのトップ画面より「番号入力」を選択してください。",
                "お客様番号を入力し、「OK」を選択してください。",
                "確認番号を入力し、「OK」を選択してください。",
                "表示される内容を確認のうえ、「OK」を選択してください。",
                "印刷された「Famiポート申込券」をレジに渡し、30分以内に現金でお支払いください。",
                "お支払い後、「領収書」を必ずお受け取りください。",
            ),
        ),
        Chain(
            code="10005",
            name="ミニストップ",
            heading="ローソン/ミニストップでお支払いの場合",
            conf_digits=4,
            receipt_digits=11,
            notes=LOPPI_NOTES,
            steps_title="「Loppi」を使ってのお支払い方法",
            steps=LOPPI_STEPS,
        ),
        Chain(
            code="10008",
            name="セイコーマート",
            heading="セイコーマートでお支払いの場合",
            conf_digits=6,
            receipt_digits=13,
            notes=(
                "全国のセイコーマートでお支払いいただけます。クラブステーションで受付票を発行してから30分以内にレジでお支払いください。",
                "領収書は、お支払い後必ずお受け取りください。",
                "30万円を超えるお支払いはできません。",
                "お支払いは現金のみとなります。",
            ),
            steps_title="「クラブステーション」を使ってのお支払い方法",
            steps=(
                "クラブステーションのトップ画面より「インターネット受付」を選択してください。",
                "お客様番号を入力し、「次へ」を選択してください。",
                "確認番号を入力し、「次へ」を選択してください。",
                "表示される内容を確認のうえ、「確認」を選択してください。",
                "印刷された受付票をレジに渡し、30分以内に現金でお支払いください。",
                "お支払い後、「領収書」を必ずお受け取りください。",
            ),
        ),
    )
}

CHAIN_CHOICES = [(chain.code, chain.name) for chain in CHAINS.values()]
