"""django-import-export resources: the columns of each import, with Japanese headers.

The resource is the single description of a spreadsheet: headers, cell widgets (the
Japanese input rules) and the documentation shown on the upload page. The template
download and exports go through ``Resource.export``. Imports use the resource's fields
and widgets row by row but write in bulk (``imports.kinds``): django-import-export's own
``import_data`` loads and saves one instance per row, a few hundred rows a second.
"""

from import_export import resources

from membership.models import MEMBER_CONTACT_FIELDS, MEMBER_NAME_FIELDS, PREFECTURES, Member

from .registry import ImportField
from .widgets import (
    AlternateNameWidget,
    ChoiceLabelWidget,
    CodeWidget,
    EmailWidget,
    FuriganaWidget,
    JapaneseDateWidget,
    PhoneWidget,
    PostalCodeWidget,
    PrefectureWidget,
    TextWidget,
)

_DATE_HELP = "2024/04/01、2024-04-01 の形式か、Excel の日付。"
_POSTAL_HELP = "7桁の数字。ハイフンはあってもなくても構いません。"
_PHONE_HELP = "数字のみ(ハイフン・全角数字は自動で取り除きます)。10桁または11桁。"


def _prefecture():
    return PrefectureWidget(PREFECTURES)


MEMBER_NUMBER_HELP = (
    "先頭の0もそのまま入れてください。数字だけの番号で0が欠けていれば(Excel の数値のセル: 30002)、"
    "0を補って照合します(0030002)。全角数字も使えます。"
)


def member_number_field(help_text=MEMBER_NUMBER_HELP, **kwargs):
    """The 会員番号 column every kind matches members by: a required text cell. The kinds match
    it through ``imports.member_lookup`` (Excel's dropped zeros put back, ``membership.member_numbers``)."""
    return ImportField(
        attribute="member_number",
        column_name="会員番号",
        widget=CodeWidget(max_length=20, required=True, label="会員番号"),
        required=True,
        text_column=True,
        help_text=help_text,
        **kwargs,
    )


class MemberResource(resources.ModelResource):
    member_number = member_number_field(
        example="0012345",
        help_text="ログインIDになります。先頭の0もそのまま残ります。数字だけの番号で0が欠けていれば"
        "(Excel の数値のセル: 12345)、0を補って 0012345 として照合・登録します。",
    )
    family_name = ImportField(
        attribute="family_name",
        column_name="氏名(姓)",
        widget=TextWidget(max_length=50, required=True),
        required=True,
        example="山田",
    )
    given_name = ImportField(
        attribute="given_name",
        column_name="氏名(名)",
        widget=TextWidget(max_length=50, required=True),
        required=True,
        example="花子",
    )
    family_name_kana = ImportField(
        attribute="family_name_kana",
        column_name="フリガナ(姓)",
        example="ヤマダ",
        widget=FuriganaWidget(max_length=100, required=True),
        required=True,
        help_text="全角カタカナ。ひらがな・半角カナは全角カタカナに変換します。",
    )
    given_name_kana = ImportField(
        attribute="given_name_kana",
        column_name="フリガナ(名)",
        example="ハナコ",
        widget=FuriganaWidget(max_length=100, required=True),
        required=True,
        help_text="全角カタカナ。ひらがな・半角カナは全角カタカナに変換します。",
    )
    alternate_name = ImportField(
        attribute="alternate_name",
        column_name="代替文字",
        example="",
        widget=AlternateNameWidget(max_length=100),
        help_text="氏名に環境依存文字(﨑、髙など)がある場合の置き換えた氏名。",
    )
    birth_date = ImportField(
        attribute="birth_date",
        column_name="生年月日",
        widget=JapaneseDateWidget(),
        help_text=_DATE_HELP,
        example="1985/04/01",
    )
    email = ImportField(
        attribute="user__email",
        column_name="メールアドレス",
        example="hanako.yamada@example.jp",
        widget=EmailWidget(),
        help_text="パスワード再設定に使います(初回ログインはパスワード再設定から)。他の会員と同じアドレスは使えません。",
    )
    home_postal_code = ImportField(
        attribute="home_postal_code",
        column_name="自宅郵便番号",
        example="100-0001",
        widget=PostalCodeWidget(),
        text_column=True,
        help_text=_POSTAL_HELP,
    )
    home_prefecture = ImportField(
        attribute="home_prefecture",
        column_name="自宅都道府県",
        widget=_prefecture(),
        help_text="例: 東京都",
        example="東京都",
    )
    home_address1 = ImportField(
        attribute="home_address1",
        column_name="自宅住所1",
        example="千代田区千代田1-1",
        widget=TextWidget(max_length=200),
        help_text="市区町村・番地",
    )
    home_address2 = ImportField(
        attribute="home_address2",
        column_name="自宅住所2",
        example="○○マンション101",
        widget=TextWidget(max_length=200),
        help_text="建物名・部屋番号",
    )
    workplace_name = ImportField(
        attribute="workplace_name", column_name="勤務先名", widget=TextWidget(max_length=200), example="○○病院 内視鏡室"
    )
    workplace_postal_code = ImportField(
        attribute="workplace_postal_code",
        column_name="勤務先郵便番号",
        example="1600023",
        widget=PostalCodeWidget(),
        text_column=True,
        help_text=_POSTAL_HELP,
    )
    workplace_prefecture = ImportField(
        attribute="workplace_prefecture", column_name="勤務先都道府県", widget=_prefecture(), example="東京都"
    )
    workplace_address1 = ImportField(
        attribute="workplace_address1",
        column_name="勤務先住所1",
        widget=TextWidget(max_length=200),
        example="新宿区西新宿1-1-1",
    )
    workplace_address2 = ImportField(
        attribute="workplace_address2", column_name="勤務先住所2", widget=TextWidget(max_length=200), example=""
    )
    mailing_address = ImportField(
        attribute="mailing_address",
        column_name="郵送先",
        example="自宅",
        widget=ChoiceLabelWidget(Member.MailingAddress.choices, default=Member.MailingAddress.HOME),
        help_text="自宅 または 勤務先(空欄は自宅)。郵送先の郵便番号・都道府県・住所1(勤務先は勤務先名も)は必須です。",
    )
    phone = ImportField(
        attribute="phone",
        column_name="電話番号",
        widget=PhoneWidget(),
        text_column=True,
        help_text=_PHONE_HELP,
        example="03-1234-5678",
    )
    mobile = ImportField(
        attribute="mobile",
        column_name="携帯番号",
        widget=PhoneWidget(),
        text_column=True,
        help_text=_PHONE_HELP,
        example="090-1234-5678",
    )
    status = ImportField(
        attribute="status",
        column_name="会員ステータス",
        example="正会員",
        # Guests (非会員(ゲスト)) sign up themselves (membership.guests); a member list has none.
        widget=ChoiceLabelWidget([choice for choice in Member.Status.choices if choice[0] != Member.Status.GUEST]),
        required=True,
        help_text="正会員、休会、退会、資格喪失 のいずれか。",
    )
    joined_on = ImportField(
        attribute="joined_on",
        column_name="入会日",
        widget=JapaneseDateWidget(),
        help_text=_DATE_HELP,
        example="2010/04/01",
    )
    certification_number = ImportField(
        attribute="certification_number",
        column_name="技師認定番号",
        example="0123456",
        widget=CodeWidget(max_length=20, label="技師認定番号"),
        text_column=True,
        help_text="半角英数字。先頭の0も残ります。",
    )
    certification_expires_on = ImportField(
        attribute="certification_expires_on",
        column_name="認定有効期限",
        example="2028/03/31",
        widget=JapaneseDateWidget(),
        help_text=_DATE_HELP,
    )

    class Meta:
        model = Member
        import_id_fields = ("member_number",)
        fields = (
            "member_number",
            *MEMBER_NAME_FIELDS,
            "birth_date",
            "email",
            *MEMBER_CONTACT_FIELDS,
            "status",
            "joined_on",
            "certification_number",
            "certification_expires_on",
        )
        import_order = fields
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("user")
