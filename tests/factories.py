"""Test data factories shared by the whole suite."""

import factory
from django.utils import timezone

from membership.models import Invoice, Member, User

DEFAULT_PASSWORD = "Passw0rdA"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"{n + 1:07d}")
    email = factory.Sequence(lambda n: f"member{n}@example.jp")
    kind = User.Kind.MEMBER

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        if extracted is None:
            extracted = DEFAULT_PASSWORD
        if extracted is False:
            self.set_unusable_password()
        else:
            self.set_password(extracted)
        if create:
            self.save()


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    member_number = factory.SelfAttribute("user.username")
    family_name = "山田"
    given_name = factory.Sequence(lambda n: f"太郎{n}")
    family_name_kana = "ヤマダ"
    given_name_kana = "タロウ"
    joined_on = factory.LazyFunction(timezone.localdate)


def guest_member(number="G0000005", **kwargs):
    """A guest who signed up (membership.guests): a GUEST account with a 非会員(ゲスト) profile."""
    user = UserFactory(username=number, kind=User.Kind.GUEST)
    return MemberFactory(user=user, member_number=number, status=Member.Status.GUEST, **kwargs)


class StaffUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    kind = User.Kind.STAFF
    is_staff = True


def user_in(group_name, **kwargs):
    """A staff user in one of the staff groups (事務局, 編集者)."""
    from django.contrib.auth.models import Group

    user = StaffUserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    member = factory.SubFactory(MemberFactory)
    category = Invoice.Category.DUES
    fiscal_year = 2025
    subject = factory.LazyAttribute(lambda invoice: f"dues:{invoice.fiscal_year}")
    amount = 5000
