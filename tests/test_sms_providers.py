"""hub.sms backends: Aliyun SMS (dysmsapi SendSms) against a real local HTTP server that checks the signed
request the way the provider does, the provider's documented signature examples, and the file backend that
tests read across processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.test import Client

from hub import sms
from hub.services import user_phone_set
from hub.sms import AliyunBackend, SmsError, aliyun_signature, sms_file_read, sms_send
from partyorgs.models import Invitation
from partyorgs.services import invitation_create
from tests.test_phone_sign_in import public_session

KEY_ID, SECRET = "LTAI-test-key", "test-secret-value"


class FakeDysmsapi(BaseHTTPRequestHandler):
    """Answers like dysmsapi: recomputes the signature from the received form with the shared secret."""

    received: list[dict[str, str]] = []
    answer: dict = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "x"}

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        type(self).received.append(params)
        expected = aliyun_signature(params, SECRET, "POST")
        if params.get("Signature") != expected:
            payload, status = (
                {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"},
                400,
            )
        else:
            payload, status = type(self).answer, 200
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def dysmsapi(settings):
    FakeDysmsapi.received = []
    FakeDysmsapi.answer = {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "x"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDysmsapi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.HUB_SMS_BACKEND = "hub.sms.AliyunBackend"
    settings.HUB_SMS_ALIYUN_ACCESS_KEY_ID = KEY_ID
    settings.HUB_SMS_ALIYUN_ACCESS_KEY_SECRET = SECRET
    settings.HUB_SMS_ALIYUN_SIGN_NAME = "红色直播"
    settings.HUB_SMS_ALIYUN_TEMPLATE_CODE = "SMS_123456789"
    settings.HUB_SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{server.server_port}/"
    yield FakeDysmsapi
    server.shutdown()
    server.server_close()


def test_the_signature_matches_the_providers_documented_sendsms_example():
    # Aliyun's SMS documentation ("签名机制"): GET, AccessKeyId testId, secret testSecret.
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_the_signature_matches_the_rpc_documentations_example():
    # Aliyun's RPC signature documentation (DescribeRegions).
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert aliyun_signature(params, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_it_sends_the_template_with_the_code_in_a_signed_request(dysmsapi):
    sms_send(phone="138 1234 5678", text="验证码 123456", params={"code": "123456"})
    (params,) = dysmsapi.received
    assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25"
    assert params["PhoneNumbers"] == "13812345678"
    assert params["SignName"] == "红色直播" and params["TemplateCode"] == "SMS_123456789"
    assert json.loads(params["TemplateParam"]) == {"code": "123456"}
    assert params["AccessKeyId"] == KEY_ID and params["SignatureMethod"] == "HMAC-SHA1"


@pytest.mark.django_db
def test_an_invitation_by_number_is_sent_with_the_invitation_template(
    dysmsapi, settings, world, organizer, django_capture_on_commit_callbacks
):
    settings.HUB_SMS_ALIYUN_INVITATION_TEMPLATE_CODE = "SMS_987654321"
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            user=organizer,
            phone="139 0000 4444",
            name="小赵",
            role_kind=Invitation.RoleKind.MEMBER,
            organization=world.branch_a,
            base_url="https://hub.example.cn",
        )
    (params,) = dysmsapi.received
    assert params["TemplateCode"] == "SMS_987654321" and params["PhoneNumbers"] == "13900004444"
    sent = json.loads(params["TemplateParam"])
    assert sent["link"].startswith("https://hub.example.cn/") and invitation.token in sent["link"]
    assert sent["scope"] == str(invitation.scope)[:35]


def test_without_an_invitation_template_aliyun_refuses_to_send_an_invitation(dysmsapi):
    with pytest.raises(SmsError, match="invitation"):
        sms_send(phone="13812345678", text="邀请", params={"link": "x"}, template="invitation")
    assert dysmsapi.received == []


def test_a_wrong_secret_is_refused_by_the_server_and_raised(dysmsapi, settings):
    settings.HUB_SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    with pytest.raises(SmsError, match="HTTP 400"):
        sms_send(phone="13812345678", text="x", params={"code": "1"})


def test_a_refusal_of_the_provider_is_raised(dysmsapi):
    dysmsapi.answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发小时级流控Permits:5"}
    with pytest.raises(SmsError, match="BUSINESS_LIMIT_CONTROL"):
        sms_send(phone="13812345678", text="x", params={"code": "1"})


def test_an_unreachable_provider_is_raised(settings, dysmsapi):
    settings.HUB_SMS_ALIYUN_ENDPOINT = "http://127.0.0.1:9/"
    with pytest.raises(SmsError, match="could not be reached"):
        sms_send(phone="13812345678", text="x", params={"code": "1"})


def test_an_unconfigured_provider_says_so(settings):
    settings.HUB_SMS_ALIYUN_ACCESS_KEY_ID = ""
    with pytest.raises(SmsError, match="not configured"):
        AliyunBackend().send(sms.Sms(phone="+8613812345678", text="x"))


def test_the_file_backend_is_read_from_another_process(tmp_path, settings):
    path = tmp_path / "sms.jsonl"
    settings.HUB_SMS_BACKEND = "hub.sms.FileBackend"
    settings.HUB_SMS_FILE = str(path)
    sms_send(phone="13812345678", text="第一条", params={"code": "111111"})
    # A second process (as daphne is in the browser tests) appends with its own settings.
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.test'; django.setup();"
        "from hub.sms import sms_send; sms_send(phone='+86 139 0000 1111', text='第二条', params={'code': '222222'})"
    )
    env = {"HUB_TEST_SMS_BACKEND": "hub.sms.FileBackend", "HUB_TEST_SMS_FILE": str(path)}
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **env}, timeout=120)
    first, second = sms_file_read(path)
    assert (first.phone, first.text, first.params) == ("+8613812345678", "第一条", {"code": "111111"})
    assert (second.phone, second.params) == ("+8613900001111", {"code": "222222"})


@pytest.mark.django_db
def test_a_provider_failure_is_a_message_not_a_500(world, member, dysmsapi, settings):
    cache.clear()
    user_phone_set(user=member, phone="13812345678", verified=True)
    dysmsapi.answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发小时级流控"}
    r = Client().post("/accounts/login/code/", {"phone": "13812345678"}, follow=True)
    assert r.status_code == 200 and "短信暂时无法发送" in r.content.decode()
    c = Client()
    session = public_session(world)
    html = c.get(f"/live/{session.pk}/").content.decode()
    link = re.search(r'id="phone-signup-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    c.get(link)
    r = c.post("/accounts/phone/signup/", {"phone": "13900001111"})
    assert r.status_code == 200 and "短信暂时无法发送" in r.content.decode()
    cache.clear()
