// The widget's words in English and Simplified Chinese. The language comes from `data-lang` when given, else
// from the browser's preferred languages; anything that is not Chinese falls back to English. Errors are worded
// here too, from their codes (the SDK's, and the gateway's in STATUS entries), never from the English text the
// gateway or the SDK put in them.

import type { GatewayClientError, GatewayErrorCode } from '../client/index.js';

export type Lang = 'en' | 'zh-CN';

const en = {
  title: 'Chat with us',
  subtitle: 'We usually answer in a few minutes',
  open: 'Open chat',
  close: 'Close chat',
  placeholder: 'Write a message…',
  send: 'Send',
  attach: 'Attach a file',
  location: 'Share my location',
  human: 'Talk to a person',
  messages: 'Messages',
  suggestions: 'Suggestions',
  typeahead: 'Suggested questions',
  rateAnswer: 'Rate this answer',
  rateUp: 'Helpful',
  rateDown: 'Not helpful',
  rateReason: 'What was missing?',
  rateSend: 'Send',
  rateCancel: 'Cancel',
  rated: 'Thank you for your feedback',
  ratedUp: 'You found this answer helpful',
  ratedDown: 'You found this answer not helpful',
  you: 'You',
  bot: 'Assistant',
  agent: 'Agent',
  system: 'System',
  connecting: 'Connecting…',
  reconnecting: 'Connection lost. Reconnecting…',
  queuing: 'Queuing for an agent…',
  queuePosition: (n: number) => `Queuing for an agent… you are number ${n} in line`,
  estimatedWait: (minutes: number) => (minutes <= 1 ? 'about a minute to wait' : `about ${minutes} minutes to wait`),
  agentJoined: (name: string) => `${name} joined the conversation`,
  agentFallback: 'An agent',
  chattingWith: (name: string) => `You are chatting with ${name}`,
  ended: 'The conversation has ended',
  newConversation: 'Start a new conversation',
  offline: 'No agent is available right now. You can still write: we will answer as soon as we can.',
  cannotWrite: 'You cannot write in this conversation any more.',
  typing: (name: string) => `${name} is typing…`,
  sending: 'Sending',
  sent: 'Sent',
  read: 'Read',
  failed: 'Not sent',
  retry: 'Retry',
  uploading: 'Uploading…',
  uploadFailed: 'The file could not be uploaded',
  locationFailed: 'Your location is not available',
  myLocation: 'My location',
  openMap: 'Open in OpenStreetMap',
  download: 'Download',
  image: 'Image',
  enlarge: 'Enlarge image',
  closeImage: 'Close image',
  earlier: 'Show earlier messages',
  unread: (n: number) => `${n} unread ${n === 1 ? 'message' : 'messages'}`,
  newMessage: (who: string, text: string) => `${who}: ${text}`,
  askedForHuman: 'You asked for a person',
  cannotStart: 'The chat could not start. Try again later.',
  signInToChat: 'Sign in to chat with us.',
  greeting: 'Hello! How can we help you today?',
  agentsAway: 'Our agents are not working right now. Leave us a message and we will get back to you.',
  leaveMessage: 'Leave a message',
  leaveMessageText: 'Your message',
  leavePhone: 'Phone number, to call you back',
  leaveSend: 'Send message',
  leaveThanks: 'Thank you: we have your message and will get back to you.',
  newMessageTitle: (n: number) => `(${n}) New message`,
  /** Why a message was not sent, by the `errorCode` of its STATUS entry. */
  notSentBecause: {
    OUTSIDE_WORKING_HOURS: 'No agent is working now (outside working hours). You can leave a message.',
    UNREACHABLE: 'The contact center cannot be reached right now.',
    TIMEOUT: 'The contact center did not answer in time.',
    FAILED: 'The contact center could not take the message.',
    UNEXPECTED: 'The message could not be sent.',
  } as Record<string, string>,
  /** A call to the gateway that failed (a send, an upload, a transfer), by what the SDK says of it. */
  requestFailed: {
    network: 'The chat service cannot be reached. Check your connection.',
    token: 'Your chat session has expired. Reload the page.',
    tooLarge: 'The file is too large.',
    tooMany: 'Too many requests. Wait a moment and try again.',
    unavailable: 'This is not available right now.',
    refused: 'The chat service refused the request.',
    other: 'Something went wrong. Try again.',
    agentsAway: 'No agent is working now. You can leave a message.',
    changedRetry: 'This message was already sent with other words. Write it again as a new message.',
    tooLong: 'The message is too long. Shorten it and send it again.',
    unsupportedFile: 'This kind of file cannot be sent. Send a picture (JPG, PNG, BMP), a recording (MP3, AAC), a video (MP4) or a text file (TXT, CSV).',
    upstream: 'The contact center could not take this right now. Try again later.',
  },
  endChat: 'End chat',
  endQuestion: 'End this conversation? The agent will be told you left.',
  endYes: 'End chat',
  endNo: 'Keep chatting',
  youEnded: 'You ended the conversation',
  prechatIntro: 'Before we start, tell us who you are.',
  prechatName: 'Your name',
  prechatEmail: 'E-mail',
  prechatPhone: 'Phone number',
  prechatStart: 'Start the chat',
  prechatFirst: 'Fill in the form above to start',
  leftEmail: (email: string) => `E-mail: ${email}`,
  transcript: 'Download the conversation',
  surveyTitle: 'How was this conversation?',
  surveyLevel: 'How satisfied are you?',
  surveyResolved: 'Was your question resolved?',
  surveyNps: 'How likely are you to recommend us? (0: not at all, 9: very likely)',
  surveyComment: 'Anything you want to tell us? (optional)',
  surveySend: 'Send',
  surveySkip: 'Skip',
  surveyPickLevel: 'Choose how satisfied you are first.',
  surveyThanks: 'Thank you for your feedback!',
  yes: 'Yes',
  no: 'No',
  waitingForConnection: 'Waiting for the connection: it will be sent by itself',
  overLimit: (over: number) => `Too long for the chat: shorten it by about ${over} ${over === 1 ? 'byte' : 'bytes'} (a Chinese character counts 3)`,
  nearLimit: (left: number) => `${left} bytes left`,
  fileRefused: (name: string) => `${name} cannot be sent: only JPG, PNG, BMP, MP3, AAC, MP4, TXT and CSV files can`,
  previewTitle: 'Send this file?',
  previewSend: 'Send',
  previewCancel: 'Cancel',
  endedRetry: 'This conversation has ended. Start a new conversation to send it again.',
  attachmentKinds: { IMAGE: 'an image', AUDIO: 'a recording', VIDEO: 'a video', DOCUMENT: 'a file', LOCATE: 'a location' } as Record<string, string>,
};

export type Strings = typeof en;

const zh: Strings = {
  title: '在线客服',
  subtitle: '我们通常在几分钟内回复',
  open: '打开聊天',
  close: '关闭聊天',
  placeholder: '输入消息…',
  send: '发送',
  attach: '发送文件',
  location: '发送我的位置',
  human: '转人工',
  messages: '消息',
  suggestions: '猜你想问',
  typeahead: '联想问题',
  rateAnswer: '评价此回答',
  rateUp: '有帮助',
  rateDown: '没有帮助',
  rateReason: '请告诉我们哪里不满意',
  rateSend: '提交',
  rateCancel: '取消',
  rated: '感谢您的反馈',
  ratedUp: '您认为此回答有帮助',
  ratedDown: '您认为此回答没有帮助',
  you: '我',
  bot: '智能助手',
  agent: '客服',
  system: '系统',
  connecting: '连接中…',
  reconnecting: '连接已断开，正在重连…',
  queuing: '正在排队等待人工客服…',
  queuePosition: (n: number) => `正在排队，您排在第 ${n} 位`,
  estimatedWait: (minutes: number) => `预计等待约 ${Math.max(1, minutes)} 分钟`,
  agentJoined: (name: string) => `${name} 已加入会话`,
  agentFallback: '客服',
  chattingWith: (name: string) => `正在与 ${name} 对话`,
  ended: '会话已结束',
  newConversation: '开始新的会话',
  offline: '当前没有客服在线。您仍可以留言，我们会尽快回复。',
  cannotWrite: '此会话已不能再发送消息。',
  typing: (name: string) => `${name} 正在输入…`,
  sending: '发送中',
  sent: '已发送',
  read: '已读',
  failed: '发送失败',
  retry: '重试',
  uploading: '上传中…',
  uploadFailed: '文件上传失败',
  locationFailed: '无法获取您的位置',
  myLocation: '我的位置',
  openMap: '在 OpenStreetMap 中打开',
  download: '下载',
  image: '图片',
  enlarge: '查看大图',
  closeImage: '关闭图片',
  earlier: '查看更早的消息',
  unread: (n: number) => `${n} 条未读消息`,
  newMessage: (who: string, text: string) => `${who}：${text}`,
  askedForHuman: '您已请求人工服务',
  cannotStart: '聊天无法启动，请稍后再试。',
  signInToChat: '请先登录，再与我们聊天。',
  greeting: '您好！请问有什么可以帮您？',
  agentsAway: '当前不在客服工作时间。请给我们留言，我们会尽快回复您。',
  leaveMessage: '留言',
  leaveMessageText: '留言内容',
  leavePhone: '回电号码',
  leaveSend: '提交留言',
  leaveThanks: '感谢您的留言，我们会尽快回复您。',
  newMessageTitle: (n: number) => `(${n}) 新消息`,
  notSentBecause: {
    OUTSIDE_WORKING_HOURS: '当前非工作时间，暂无客服。您可以留言。',
    UNREACHABLE: '暂时无法连接客服中心。',
    TIMEOUT: '客服中心未能及时响应。',
    FAILED: '客服中心未能接收此消息。',
    UNEXPECTED: '消息未能发送。',
  },
  requestFailed: {
    network: '无法连接聊天服务，请检查网络。',
    token: '聊天会话已过期，请刷新页面。',
    tooLarge: '文件太大。',
    tooMany: '请求过于频繁，请稍后再试。',
    unavailable: '此功能暂不可用。',
    refused: '聊天服务拒绝了此请求。',
    other: '出错了，请重试。',
    agentsAway: '当前没有客服在线，您可以留言。',
    changedRetry: '这条消息已用其他内容发送过，请作为新消息重新输入。',
    tooLong: '消息太长，请缩短后再发送。',
    unsupportedFile: '不支持此类文件。可发送图片（JPG、PNG、BMP）、语音（MP3、AAC）、视频（MP4）或文本文件（TXT、CSV）。',
    upstream: '客服中心暂时无法处理，请稍后再试。',
  },
  endChat: '结束会话',
  endQuestion: '确定结束本次会话吗？客服将收到您离开的通知。',
  endYes: '结束会话',
  endNo: '继续聊天',
  youEnded: '您已结束会话',
  prechatIntro: '开始之前，请告诉我们您是谁。',
  prechatName: '您的姓名',
  prechatEmail: '电子邮箱',
  prechatPhone: '电话号码',
  prechatStart: '开始聊天',
  prechatFirst: '请先填写上方的表单',
  leftEmail: (email: string) => `电子邮箱：${email}`,
  transcript: '下载聊天记录',
  surveyTitle: '请评价本次服务',
  surveyLevel: '您对本次服务满意吗？',
  surveyResolved: '您的问题解决了吗？',
  surveyNps: '您向朋友推荐我们的可能性有多大？（0：完全不会，9：非常可能）',
  surveyComment: '还有什么想告诉我们的吗？（选填）',
  surveySend: '提交',
  surveySkip: '跳过',
  surveyPickLevel: '请先选择满意度。',
  surveyThanks: '感谢您的评价！',
  yes: '是',
  no: '否',
  waitingForConnection: '等待网络恢复，恢复后自动发送',
  overLimit: (over: number) => `消息过长：请删减约 ${over} 字节（每个汉字计 3 字节）`,
  nearLimit: (left: number) => `还可输入 ${left} 字节`,
  fileRefused: (name: string) => `无法发送 ${name}：仅支持 JPG、PNG、BMP、MP3、AAC、MP4、TXT 和 CSV 文件`,
  previewTitle: '发送此文件？',
  previewSend: '发送',
  previewCancel: '取消',
  endedRetry: '本次会话已结束。请开始新的会话后再发送。',
  attachmentKinds: { IMAGE: '一张图片', AUDIO: '一段语音', VIDEO: '一段视频', DOCUMENT: '一个文件', LOCATE: '一个位置' },
};

/** `data-lang` when it names a language we have, else the first of the browser's languages we have, else English. */
export function chooseLang(attribute: string | null | undefined, browser: readonly string[]): Lang {
  for (const tag of [attribute, ...browser]) {
    if (!tag) continue;
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function stringsFor(lang: Lang): Strings {
  return lang === 'zh-CN' ? zh : en;
}

/** Why a message was not sent: the words for its gateway error code, or the general ones for a code we do not know. */
export function notSentText(t: Strings, errorCode: string | undefined): string | undefined {
  if (errorCode === undefined) return undefined;
  return t.notSentBecause[errorCode] ?? t.notSentBecause.UNEXPECTED;
}

/** The words for each error the gateway names (its answer's `code`) that the customer can act on. */
const WORDS_FOR_CODE: Partial<Record<GatewayErrorCode, keyof Strings['requestFailed']>> = {
  AGENTS_UNAVAILABLE: 'agentsAway',
  CHANGED_RETRY: 'changedRetry',
  TOO_LONG: 'tooLong',
  UNSUPPORTED_MEDIA_TYPE: 'unsupportedFile',
  PAYLOAD_TOO_LARGE: 'tooLarge',
  RATE_LIMITED: 'tooMany',
  TOO_MANY_CONNECTIONS: 'tooMany',
  UNAUTHORIZED: 'token',
  UPLINK_DISABLED: 'unavailable',
  SHUTTING_DOWN: 'unavailable',
  UPSTREAM_FAILED: 'upstream',
  INVALID_PARAMETER: 'refused',
};

/** The words for an error of the SDK's (a rejected send, upload, transfer): by the gateway's error code, else (an
 *  answer without one, such as a proxy's) by the SDK's code and the HTTP status. */
export function errorText(t: Strings, error: unknown): string {
  const { code, status, gatewayCode } = (error ?? {}) as Partial<Pick<GatewayClientError, 'code' | 'status' | 'gatewayCode'>>;
  const words = t.requestFailed;
  const named = gatewayCode ? WORDS_FOR_CODE[gatewayCode] : undefined;
  if (named) return words[named];
  if (code === 'TOKEN_REFUSED' || code === 'TOKEN_REFRESH_FAILED') return words.token;
  if (code !== 'HTTP') return words.other;
  if (status === undefined) return words.network;
  if (status === 413) return words.tooLarge;
  if (status === 429) return words.tooMany;
  if (status === 503) return words.unavailable;
  if (status >= 400 && status < 500) return words.refused;
  return words.other;
}
