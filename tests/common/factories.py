"""Factories for reference data (Warehouse style). Orders are never built by factories: an order
is a projection of its events, so tests create and move them through the services."""

from __future__ import annotations

import factory

from hotline.accounts.models import Unit, User
from hotline.domain.lifecycle import Role
from hotline.reference.models import Category


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit{n}")
    name = factory.LazyAttribute(lambda o: f"单位{o.code}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.LazyAttribute(lambda o: f"分类{o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.AGENT
    unit = None
    password = factory.django.Password("pw")
